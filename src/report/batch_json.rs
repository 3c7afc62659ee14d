//! The records of `scan --jsonl`: one compact line per hive, flushed as it is written.

use std::path::Path;

use serde::Serialize;

use crate::report::json_path;
use crate::report::scan_json::ScanDocument;

/// A scanned hive: the `scan --json` document with the hive's host and path in front.
#[derive(Debug, Serialize)]
pub struct HiveRecord<'a> {
    /// The computer name stored in the hive, if any.
    pub host: Option<&'a str>,
    /// The hive as it was found.
    #[serde(serialize_with = "json_path::lossy")]
    pub path: &'a Path,
    /// The exact bytes of `path` in hex, when it is not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    #[serde(flatten)]
    pub document: ScanDocument<'a>,
}

/// A hive that could not be read: what and why, and its exit code (2).
#[derive(Debug, Serialize)]
pub struct ErrorRecord<'a> {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: &'a Path,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    pub error: &'a str,
    pub exit: u8,
}

/// One compact JSON line (no trailing newline), with the tool and the time in front.
pub fn line(record: &impl Serialize) -> serde_json::Result<String> {
    crate::report::json_document::line(record)
}
