//! `winsock-doctor logs`: describe transaction logs without their primary hive.

use crate::exit::Exit;
use std::io::Write;

use serde::Serialize;

use crate::cli::args::LogsArgs;
use crate::error::{Error, Result};
use crate::hive::image::InputFile;
use crate::hive::log::{LogDescription, describe_log};
use crate::hive::read_file::ReadFile;
use crate::report::logs_table;

#[derive(Serialize)]
struct LogRecord {
    input: InputFile,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<LogDescription>,
    /// Why the file is not a transaction log, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Every log is described; one that cannot be read makes the exit code 2 at the end.
/// `logs --json`: one record per log file.
#[derive(serde::Serialize)]
struct LogsDocument<'a> {
    logs: &'a [LogRecord],
}

pub fn run(args: &LogsArgs) -> Result<Exit> {
    let mut records = Vec::new();
    let mut failed = false;
    for path in &args.logs {
        let file = match ReadFile::open(path) {
            Ok(file) => file,
            Err(e) => {
                eprintln!("winsock-doctor: {e}");
                failed = true;
                continue;
            }
        };
        let (description, error) = match describe_log(file.bytes()) {
            Ok(description) => (Some(description), None),
            Err(e) => {
                let error = Error::format(path, e);
                eprintln!("winsock-doctor: {error}");
                failed = true;
                (None, Some(error.to_string()))
            }
        };
        records.push(LogRecord {
            input: file.describe().clone(),
            description,
            error,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = if args.json {
        crate::report::json_document::write_pretty(&mut out, &LogsDocument { logs: &records })
    } else {
        records
            .iter()
            .filter_map(|r| Some(logs_table::render(&r.input, r.description.as_ref()?)))
            .try_for_each(|text| writeln!(out, "{text}"))
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(if failed { Exit::Error } else { Exit::Success })
}
