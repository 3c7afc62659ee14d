//! The JSON document of `winsock-doctor scan --json` (shape documented in docs/json-scan.md;
//! keep it stable: add fields, do not rename or remove).

use serde::Serialize;

use crate::hive::base_block::BaseBlock;
use crate::hive::image::InputFile;
use crate::image::installation::ImageSource;
use crate::input::LogsReport;
use crate::pipeline::history::History;
use crate::report::catalog_json::HiveSummary;
use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::control_set::{ChosenBy, Select, control_set_number};
use crate::winsock::diagnose::{Diagnosis, Lsp};
use crate::winsock::findings::{Finding, Severity};
use crate::winsock::hive_structure::HiveStructure;
use crate::winsock::scan::{LastKnownGood, Scan};
use crate::winsock::what_to_run::WhatToRun;
use crate::winsock::windows_version::WindowsVersion;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct ScanDocument<'a> {
    pub format_version: u32,
    pub input: &'a InputFile,
    /// The SOFTWARE hive given with `--software`, if any.
    pub software_input: Option<&'a InputFile>,
    pub hive: HiveSummary,
    pub logs: &'a LogsReport,
    pub select: &'a Option<Select>,
    /// The chosen control set.
    pub control_set: &'a str,
    pub chosen_by: Option<ChosenBy>,
    pub windows: &'a WindowsVersion,
    /// No critical or warning finding in any scanned control set.
    pub healthy: bool,
    pub summary: Summary,
    /// Every finding of every scanned control set, the chosen one first, most severe first.
    pub findings: Vec<&'a Finding>,
    pub lsps: Vec<&'a Lsp>,
    pub control_sets: Vec<ControlSetSummary<'a>>,
    pub last_known_good: &'a Option<LastKnownGood>,
    /// The full structural check of the hive (docs/structure-check.md).
    pub structure: &'a Option<HiveStructure>,
    /// The known-good candidates for `repair --mode restore` (on a volume, or `--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<&'a History>,
    /// Where in a disk image the hive was read; absent for files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<&'a ImageSource>,
    /// The one repair command for every problem a repair fixes, its alternatives, and what
    /// lies outside the registry.
    pub what_to_run: WhatToRun,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

/// One scanned control set.
#[derive(Debug, Serialize)]
pub struct ControlSetSummary<'a> {
    pub control_set: &'a str,
    /// Which `Select` values name it: `current`, `default`, `last_known_good`, `failed`.
    pub roles: Vec<&'static str>,
    pub healthy: bool,
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

impl<'a> ScanDocument<'a> {
    pub fn new(
        input: &'a InputFile,
        software_input: Option<&'a InputFile>,
        read: &BaseBlock,
        logs: &'a LogsReport,
        catalogs: &'a SystemCatalogs,
        windows: &'a WindowsVersion,
        scan: &'a Scan,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            input,
            software_input,
            hive: HiveSummary::new(&logs.replay, read),
            logs,
            select: &catalogs.select,
            control_set: &catalogs.selected.control_set,
            chosen_by: catalogs.selected.chosen_by,
            windows,
            healthy: scan.healthy(),
            summary: Summary {
                critical: scan.count(Severity::Critical),
                warning: scan.count(Severity::Warning),
                info: scan.count(Severity::Info),
            },
            findings: scan.diagnoses.iter().flat_map(|d| &d.findings).collect(),
            lsps: scan.diagnoses.iter().flat_map(|d| &d.lsps).collect(),
            control_sets: scan
                .diagnoses
                .iter()
                .map(|d| ControlSetSummary::new(d, &catalogs.select))
                .collect(),
            last_known_good: &scan.last_known_good,
            structure: &scan.structure,
            history: None,
            image: None,
            what_to_run: WhatToRun::default(),
        }
    }

    /// Write the document, pretty-printed, followed by a newline.
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}

impl<'a> ControlSetSummary<'a> {
    fn new(d: &'a Diagnosis, select: &Option<Select>) -> Self {
        let count = |s| d.findings.iter().filter(|f| f.severity == s).count();
        Self {
            control_set: &d.control_set,
            roles: roles(&d.control_set, select),
            healthy: d.healthy(),
            critical: count(Severity::Critical),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
        }
    }
}

/// Which `Select` values point at `control_set`.
pub fn roles(control_set: &str, select: &Option<Select>) -> Vec<&'static str> {
    let (Some(select), Some(n)) = (select, control_set_number(control_set)) else {
        return Vec::new();
    };
    [
        ("current", select.current),
        ("default", select.default),
        ("last_known_good", select.last_known_good),
        ("failed", select.failed),
    ]
    .into_iter()
    .filter(|&(_, v)| v == Some(n))
    .map(|(role, _)| role)
    .collect()
}
