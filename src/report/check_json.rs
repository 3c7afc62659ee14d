//! The JSON document of `winsock-doctor check --json` (shape: docs/json-check.md).

use std::path::Path;

use serde::Serialize;

use crate::error::Error;
use crate::hive::check::CheckReport;
use crate::hive::image::InputFile;
use crate::input::LogsReport;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Whole,
    Damaged,
    Unreadable,
}

impl Verdict {
    pub fn of(report: &CheckReport) -> Self {
        if report.is_whole() {
            Self::Whole
        } else {
            Self::Damaged
        }
    }
}

#[derive(Debug, Serialize)]
pub struct CheckDocument<'a> {
    pub format_version: u32,
    pub path: &'a Path,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<&'a InputFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<&'a LogsReport>,
    /// The check's counts and problems (`problems`, `problem_count`, `keys`, ...).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub report: Option<&'a CheckReport>,
    /// Why the hive could not be read at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> CheckDocument<'a> {
    pub fn checked(input: &'a InputFile, logs: &'a LogsReport, report: &'a CheckReport) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            path: &input.path,
            verdict: Verdict::of(report),
            input: Some(input),
            logs: Some(logs),
            report: Some(report),
            error: None,
        }
    }

    pub fn unreadable(path: &'a Path, error: &Error) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            path,
            verdict: Verdict::Unreadable,
            input: None,
            logs: None,
            report: None,
            error: Some(error.to_string()),
        }
    }

    /// Write the document, pretty-printed, followed by a newline.
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
