//! The JSON document of `winsock-doctor dlls --json`.

use serde::Serialize;

use crate::hive::image::InputFile;
use crate::volume::dll_check::DllReport;
use crate::volume::target::Target;
use crate::winsock::findings::Finding;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct DllDocument<'a> {
    pub format_version: u32,
    pub target: &'a Target,
    /// The SYSTEM hive read.
    pub input: &'a InputFile,
    /// The report's fields (`dlls`, `control_set`, ...) at the top level.
    #[serde(flatten)]
    pub report: &'a DllReport,
    pub findings: &'a [Finding],
}

impl<'a> DllDocument<'a> {
    pub fn new(
        target: &'a Target,
        input: &'a InputFile,
        report: &'a DllReport,
        findings: &'a [Finding],
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            target,
            input,
            report,
            findings,
        }
    }

    /// Write the document, pretty-printed, followed by a newline.
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
