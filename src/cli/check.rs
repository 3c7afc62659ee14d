//! `winsock-doctor check`: the full structural check of a hive, after its logs are replayed.
//! Exit 0 whole, 1 damaged, 2 unreadable.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::cli::args::CheckArgs;
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::hive::base_block::BaseBlock;
use crate::hive::check::{CheckReport, check_hive};
use crate::hive::image::MappedFile;
use crate::input::{LogOptions, OpenedHive};
use crate::report::check_json::CheckDocument;
use crate::report::check_table;

/// The full check of a hive being opened: of the file itself, done while opening hashes it,
/// when the file is clean (what opening gives then); else of the image opening gives.
pub struct EarlyCheck(Option<CheckReport>);

impl EarlyCheck {
    /// The report on the image `hive` holds.
    pub fn finish(self, hive: &OpenedHive) -> CheckReport {
        match self.0 {
            Some(report) if !hive.logs.replay.was_dirty => report,
            _ => check_hive(hive.image.hive_bytes()),
        }
    }
}

/// Open `path` (hashing it, replaying its logs) and check a clean file meanwhile, on another
/// thread: `check` and `scan` read every input this way.
pub fn open_and_check(path: &Path, logs: LogOptions) -> (Result<OpenedHive>, EarlyCheck) {
    std::thread::scope(|scope| {
        let early = scope.spawn(|| {
            let file = MappedFile::open(path).ok()?;
            let clean = BaseBlock::parse(file.bytes()).is_ok_and(|base| !base.is_dirty());
            clean.then(|| check_hive(file.bytes()))
        });
        let opened = OpenedHive::open(path, logs);
        let early = early
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (opened, EarlyCheck(early))
    })
}

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let (opened, early) = open_and_check(&args.hive, args.logs.options());
    let hive = match opened {
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
            return Ok(ExitCode::from(2));
        }
    };
    let report = early.finish(&hive);
    let written = if args.json {
        CheckDocument::checked(&hive.input, &hive.logs, &report).write(stdout.lock())
    } else {
        print_dirty_notice(&hive.logs, &hive.input.path);
        write!(
            stdout.lock(),
            "{}",
            check_table::render(&hive.input, &report)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(if report.is_whole() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
