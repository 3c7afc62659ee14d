//! The JSON document of `winsock-doctor repair --json` (shape documented in
//! docs/json-repair.md; keep it stable: add fields, do not rename or remove).

use std::path::PathBuf;

use serde::Serialize;

use crate::hive::image::InputFile;
use crate::input::LogsReport;
use crate::pipeline::repair::{SalvageReport, Verification};
use crate::report::json_path;
use crate::winsock::repair::{RepairOptions, RepairPlan};
use crate::winsock::windows_version::WindowsVersion;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

/// How the repair ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The repaired hive was written and passed the check.
    Repaired,
    /// Nothing needed changing; nothing was written.
    NothingToDo,
    /// `--dry-run`: the repaired hive was made and passed its check; nothing was written.
    DryRun,
    /// The repaired hive failed the full structural check, or still had problems the repair
    /// claimed to fix; nothing was written.
    Failed,
}

/// The written hive.
#[derive(Debug, Clone, Serialize)]
pub struct OutputFile {
    /// Its path, sha256 and size, recorded as for an input (`replay` does the same).
    #[serde(flatten)]
    pub file: InputFile,
    /// Where it was installed over the input, with `--install`.
    #[serde(serialize_with = "json_path::lossy_option")]
    pub installed_as: Option<PathBuf>,
    /// The backup folder of the original hive and its logs, with `--install`.
    #[serde(serialize_with = "json_path::lossy_option")]
    pub backup: Option<PathBuf>,
    /// The backup's manifest (files, their sha256, the command), with `--install`.
    #[serde(serialize_with = "json_path::lossy_option")]
    pub manifest: Option<PathBuf>,
    /// Where the old logs were moved (into the backup folder), with `--install`.
    #[serde(serialize_with = "json_path::lossy_list")]
    pub moved_logs: Vec<PathBuf>,
    /// The command that puts the original hive and logs back, with `--install`.
    pub undo: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RepairDocument<'a> {
    pub format_version: u32,
    pub status: Status,
    pub options: &'a RepairOptions,
    pub input: &'a InputFile,
    /// The transaction logs read and what replaying them did.
    pub logs: &'a LogsReport,
    /// Log files beside the input that must be moved aside when the repaired hive is put in
    /// the input's place: they describe the old file, not the new one.
    #[serde(serialize_with = "json_path::lossy_list")]
    pub logs_to_move_aside: Vec<PathBuf>,
    pub windows: &'a WindowsVersion,
    pub output: Option<OutputFile>,
    /// One plan per repaired control set: every key and value removed, added or changed
    /// (before and after), and the providers removed, saved whole.
    pub control_sets: &'a [RepairPlan],
    pub verification: Option<Verification>,
    /// With `--salvage`: what the rebuilt hive holds and what it lost.
    pub salvage: Option<&'a SalvageReport>,
}

impl RepairDocument<'_> {
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
