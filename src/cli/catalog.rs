//! `winsock-doctor catalog`: read a hive and print its Winsock catalogs.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::args::CatalogArgs;
use crate::error::{Error, Result};
use crate::input::{LogOptions, OpenedHive};
use crate::report::{catalog_json::CatalogDocument, catalog_table};
use crate::volume::target::Target;

pub fn run(args: &CatalogArgs) -> Result<ExitCode> {
    let logs = LogOptions {
        no_logs: args.no_logs,
        logs: args.log.clone(),
    };
    let target = Target::resolve(&args.target)?;
    let hive = OpenedHive::open(&target.system_hive, logs)?;
    let catalogs = hive.catalogs(args.control_set, args.all_control_sets)?;
    let base = hive.image.base_block();
    let stdout = std::io::stdout();
    let written = if args.json {
        CatalogDocument::new(&hive.input, base, &hive.logs, &catalogs).write(stdout.lock())
    } else {
        if base.is_dirty() {
            eprintln!(
                "winsock-doctor: warning: {} is dirty (sequence {}/{}, checksum {}): its latest \
                 changes may be only in its transaction logs, which are not replayed yet",
                hive.input.path.display(),
                base.primary_sequence,
                base.secondary_sequence,
                if base.checksum_ok() { "ok" } else { "wrong" }
            );
        }
        write!(
            stdout.lock(),
            "{}",
            catalog_table::render(&hive.input, base, &catalogs)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(ExitCode::SUCCESS)
}
