//! `winsock-doctor timeline`: when the Winsock keys were last written, as CSV or a bodyfile.

use crate::exit::Exit;

use crate::cli::args::{TimelineArgs, TimelineFormat};
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::report::{timeline_bodyfile, timeline_csv};
use crate::winsock::timeline::timeline;

pub fn run(args: &TimelineArgs) -> Result<Exit> {
    let hive = args.hive.open()?.hive;
    let catalogs = hive.catalogs(args.hive.read.control_set, false)?;
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
    match args.format {
        TimelineFormat::Csv => timeline_csv::write(&result.entries, stdout).map_err(write_error)?,
        TimelineFormat::Bodyfile => {
            timeline_bodyfile::write(&result.entries, stdout).map_err(write_error)?
        }
    }
    Ok(Exit::Success)
}
