//! The known-good candidates for `repair --mode restore`: the other control sets of the hive
//! and the older copies of SYSTEM on its volume, each read (only read, logs replayed) and
//! judged: when its Winsock keys were last written, whether its Winsock configuration scans
//! healthy, whether it is of the same Windows, and what restoring it would change.

use std::path::PathBuf;

use serde::Serialize;

use crate::hive::filetime::serialize_filetime;
use crate::input::{LogOptions, OpenedHive};
use crate::pipeline::history_files::{HistoryKind, Skipped, history_files};
use crate::pipeline::open_target::Software;
use crate::pipeline::scan::detect_windows;
use crate::report::json_path;
use crate::volume::confine::VolumeRoot;
use crate::volume::target::Target;
use crate::winsock::catalog::{ControlSetCatalogs, SystemCatalogs};
use crate::winsock::catalog_diff::{CatalogDiff, diff_catalogs};
use crate::winsock::control_set::control_set_number;
use crate::winsock::diagnose::diagnose;
use crate::winsock::findings::Code;
use crate::winsock::repair::restore_from::{other_windows, restored_keys};
use crate::winsock::windows_version::WindowsVersion;

/// One older copy of the Winsock configuration.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub kind: HistoryKind,
    /// `ControlSet002` for a control set of the hive, else the file.
    pub location: String,
    #[serde(serialize_with = "json_path::lossy_option")]
    pub path: Option<PathBuf>,
    /// The control set read (the file's `Select\Current`).
    pub control_set: Option<String>,
    /// The newest last-written time of its `Services\WinSock2` and `Services\Winsock` keys.
    #[serde(serialize_with = "serialize_filetime")]
    pub winsock_written: Option<u64>,
    /// The file's modification time (RFC 3339, UTC), for files.
    pub file_modified: Option<String>,
    #[serde(skip)]
    file_modified_seconds: Option<i64>,
    pub windows: Option<String>,
    /// Why its Windows is not the one of the hive scanned (a restore refuses it).
    pub other_windows: Option<String>,
    /// Its Winsock configuration has no critical or warning finding.
    pub healthy: bool,
    /// The codes of the problems it has.
    pub problems: Vec<Code>,
    /// What restoring it would do to the current catalogs.
    pub differences: Option<CatalogDiff>,
    /// Why it could not be read.
    pub error: Option<String>,
}

impl Candidate {
    /// What `--from auto` may take: read, healthy, of the same Windows.
    pub fn usable(&self) -> bool {
        self.error.is_none() && self.healthy && self.other_windows.is_none()
    }

    fn unreadable(kind: HistoryKind, location: String, error: String) -> Self {
        Self {
            kind,
            location,
            path: None,
            control_set: None,
            winsock_written: None,
            file_modified: None,
            file_modified_seconds: None,
            windows: None,
            other_windows: None,
            healthy: false,
            problems: Vec::new(),
            differences: None,
            error: Some(error),
        }
    }
}

/// The candidates, newest first, and the copies found that cannot serve.
#[derive(Debug, Clone, Default, Serialize)]
pub struct History {
    pub candidates: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

impl History {
    /// The newest usable candidate: what `--from auto` restores.
    pub fn best(&self) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.usable())
    }
}

/// The current configuration the candidates are compared with.
pub struct Current<'a> {
    pub hive: &'a OpenedHive,
    pub catalogs: &'a SystemCatalogs,
    pub windows: &'a WindowsVersion,
}

/// Every candidate of the hive and, when `target` is on a volume, of the volume.
pub fn find_history(current: &Current<'_>, target: Option<&Target>) -> History {
    let mut history = History::default();
    let selected = &current.catalogs.selected.control_set;
    for name in &current.catalogs.control_sets_present {
        let Some(number) = control_set_number(name).filter(|_| name != selected) else {
            continue;
        };
        // The same machine: the same Windows.
        let candidate = match current.hive.catalogs(Some(number), false) {
            Ok(catalogs) => judge(
                current,
                current.hive,
                catalogs.selected,
                current.windows.clone(),
            ),
            Err(e) => Candidate::unreadable(HistoryKind::ControlSet, name.clone(), e.to_string()),
        };
        history.candidates.push(candidate);
    }
    if let Some(target) = target {
        volume_candidates(current, target, &mut history);
    }
    history.candidates.sort_by_key(|c| {
        std::cmp::Reverse((c.winsock_written.unwrap_or(0), c.file_modified_seconds))
    });
    history
}

fn volume_candidates(current: &Current<'_>, target: &Target, history: &mut History) {
    let (Some(root), Some(windows_dir)) = (&target.volume_root, &target.windows_dir) else {
        return;
    };
    let Ok(root) = VolumeRoot::new(root) else {
        return;
    };
    let windows = windows_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let found = history_files(&root, &windows, target.system_hive.parent());
    history.skipped.extend(found.skipped);
    for file in found.files {
        let candidate = match OpenedHive::open(&file.path, LogOptions::default()) {
            Ok(hive) => judge_file(current, &hive, file.software.clone()),
            Err(e) => Err(e.to_string()),
        };
        let location = file.path.display().to_string();
        let mut candidate =
            candidate.unwrap_or_else(|e| Candidate::unreadable(file.kind, location.clone(), e));
        candidate.kind = file.kind;
        candidate.location = location;
        let modified = std::fs::metadata(&file.path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| jiff::Timestamp::try_from(t).ok());
        candidate.file_modified = modified.map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        candidate.file_modified_seconds = modified.map(|t| t.as_second());
        candidate.path = Some(file.path);
        history.candidates.push(candidate);
    }
}

/// `software`, the SOFTWARE saved with the copy, gives its build: without it a copy of
/// another build of the same Windows could not be told apart.
fn judge_file(
    current: &Current<'_>,
    hive: &OpenedHive,
    software: Option<PathBuf>,
) -> Result<Candidate, String> {
    let catalogs = hive.catalogs(None, false).map_err(|e| e.to_string())?;
    let windows = detect_windows(hive, &catalogs, None, software.map(Software::File))
        .map_err(|e| e.to_string())?
        .windows;
    Ok(judge(current, hive, catalogs.selected, windows))
}

/// Read the times of `cs` in `hive`, diagnose it, compare it with the current configuration.
fn judge(
    current: &Current<'_>,
    hive: &OpenedHive,
    cs: ControlSetCatalogs,
    windows: WindowsVersion,
) -> Candidate {
    let winsock_written = hive
        .read(|reader| {
            let times = reader.key_times()?;
            let mut newest = None;
            for key in restored_keys(reader, &cs.control_set)? {
                let written = times.last_written(&format!(r"{}\{}", cs.control_set, key.path))?;
                newest = newest.max(written);
            }
            Ok(newest)
        })
        .ok()
        .flatten();
    let problems: Vec<Code> = diagnose(&cs, &windows)
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| f.code)
        .collect();
    Candidate {
        kind: HistoryKind::ControlSet,
        location: cs.control_set.clone(),
        path: None,
        control_set: Some(cs.control_set.clone()),
        winsock_written,
        file_modified: None,
        file_modified_seconds: None,
        other_windows: other_windows(current.windows, &windows),
        windows: Some(windows.label),
        healthy: problems.is_empty(),
        problems,
        differences: Some(diff_catalogs(&current.catalogs.selected, &cs)),
        error: None,
    }
}
