//! What `winsock-doctor replay` did, as a document (JSON; `replay_table` prints it for people).

use serde::Serialize;

use crate::hive::image::InputFile;
use crate::input::LogsReport;

#[derive(Debug, Serialize)]
pub struct ReplayDocument<'a> {
    pub input: &'a InputFile,
    pub logs: &'a LogsReport,
    pub output: InputFile,
}

impl ReplayDocument<'_> {
    pub fn write_json(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
