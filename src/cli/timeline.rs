//! `winsock-doctor timeline`: when the Winsock keys were last written, as CSV or a bodyfile.

use std::process::ExitCode;

use crate::cli::args::{TimelineArgs, TimelineFormat};
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::input::OpenedHive;
use crate::report::{timeline_bodyfile, timeline_csv};
use crate::volume::target::Target;
use crate::winsock::timeline::timeline;

pub fn run(args: &TimelineArgs) -> Result<ExitCode> {
    let logs = args.logs.options();
    let target = Target::resolve(&args.target)?;
    let hive = OpenedHive::open(&target.system_hive, logs)?;
    let catalogs = hive.catalogs(args.control_set, false)?;
    let result = hive.read(|reader| Ok(timeline(&reader.key_times()?, &catalogs.selected)))?;
    print_dirty_notice(&hive.logs, hive.path());
    for error in &result.errors {
        eprintln!(
            "winsock-doctor: {}: cannot read the last-write time of {}: {}",
            hive.path().display(),
            error.key,
            error.error
        );
    }
    let stdout = std::io::stdout().lock();
    let write_error = |e| Error::io("standard output", "write to", e);
    match args.format() {
        TimelineFormat::Csv => timeline_csv::write(&result.entries, stdout).map_err(write_error)?,
        TimelineFormat::Bodyfile => {
            timeline_bodyfile::write(&result.entries, stdout).map_err(write_error)?
        }
    }
    Ok(ExitCode::SUCCESS)
}
