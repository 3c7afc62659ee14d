//! `winsock-doctor catalog`: read a hive and print its Winsock catalogs.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::CatalogArgs;
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::report::{catalog_json::CatalogDocument, catalog_table};

pub fn run(args: &CatalogArgs) -> Result<Exit> {
    let hive = args.hive.open()?.hive;
    let catalogs = hive.catalogs(args.hive.read.control_set, args.all_control_sets)?;
    let document =
        CatalogDocument::new(hive.input(), hive.image.base_block(), &hive.logs, &catalogs);
    let stdout = std::io::stdout();
    let written = if args.json {
        document.write(stdout.lock())
    } else {
        print_dirty_notice(&hive.logs, hive.path());
        write!(
            stdout.lock(),
            "{}",
            catalog_table::render(hive.input(), &document.hive, &catalogs)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
