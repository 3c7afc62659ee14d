//! `winsock-doctor scan`: read a hive, diagnose it, print the report. Exit 0 when healthy, 1
//! when problems were found (2, from `main`, when the input cannot be read). Several hives go
//! to [`crate::cli::scan_batch`]; both run [`scan_target`] for each hive.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::ScanArgs;
use crate::cli::print_dirty_notice;
use crate::cli::scan_batch;
use crate::error::{Error, Result};
use crate::pipeline::history::{Current, find_history};
use crate::pipeline::scan::scan_target;
use crate::report::history_table;
use crate::report::scan_table::{self, Colour};

pub fn run(args: &ScanArgs) -> Result<Exit> {
    let options = args.validate()?;
    if args.is_batch() {
        return scan_batch::run(args, &options);
    }
    let Some(target) = args.targets.first() else {
        return Err(Error::Usage("scan needs a TARGET".to_string()));
    };
    let scanned = scan_target(target, &options)?;
    if let Some(note) = &scanned.software_note {
        eprintln!("winsock-doctor: {note}");
    }

    // On a volume or in a disk image, as with --history (in an image, only the hive's other
    // control sets: the files of the image are not searched).
    let on_a_volume = scanned.image.is_some()
        || scanned
            .target
            .as_ref()
            .is_some_and(|t| t.windows_dir.is_some());
    let history = (args.history || on_a_volume).then(|| {
        let current = Current {
            hive: &scanned.hive,
            catalogs: &scanned.catalogs,
            windows: &scanned.windows,
        };
        find_history(&current, scanned.target.as_ref())
    });
    let stdout = std::io::stdout();
    let written = if args.json {
        let mut document = scanned.document();
        document.history = history.as_ref();
        document.write(stdout.lock())
    } else {
        let hive = &scanned.hive;
        print_dirty_notice(&hive.logs, hive.path());
        let colour = Colour(crate::cli::colour::for_stdout());
        write!(stdout.lock(), "{}", scan_table::render(&scanned, colour)).and_then(|()| {
            match &history {
                Some(history) => write!(stdout.lock(), "{}", history_table::render(history)),
                None => Ok(()),
            }
        })
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::problems_if(!scanned.result.healthy()))
}
