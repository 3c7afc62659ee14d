//! `winsock-doctor check`: the full structural check of a hive, after its logs are replayed.
//! Exit 0 whole, 1 damaged, 2 unreadable.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::CheckArgs;
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::hive::check::check_hive;
use crate::input::OpenedHive;
use crate::report::check_json::CheckDocument;
use crate::report::check_table;

pub fn run(args: &CheckArgs) -> Result<Exit> {
    let stdout = std::io::stdout();
    let hive = match OpenedHive::open(&args.hive, args.logs.options()) {
        Ok(hive) => hive,
        Err(e) => {
            // Unreadable is a verdict too: said on standard output like the others.
            let written = if args.json {
                CheckDocument::unreadable(&args.hive, &e).write(stdout.lock())
            } else {
                write!(
                    stdout.lock(),
                    "{}",
                    check_table::render_unreadable(&args.hive, &e)
                )
            };
            written.map_err(|e| Error::io("standard output", "write to", e))?;
            return Ok(Exit::Error);
        }
    };
    let report = check_hive(hive.image.hive_bytes());
    let written = if args.json {
        CheckDocument::checked(hive.input(), &hive.logs, &report).write(stdout.lock())
    } else {
        print_dirty_notice(&hive.logs, hive.path());
        write!(
            stdout.lock(),
            "{}",
            check_table::render(hive.input(), &report)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::problems_if(!report.is_whole()))
}
