//! A whole scan: the diagnosis of the chosen control set (and of the others with
//! `--all-control-sets`), and how LastKnownGood differs from the chosen one.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::control_set::control_set_name;
use crate::winsock::diagnose::{Diagnosis, diagnose};
use crate::winsock::findings::{Code, Severity};
use crate::winsock::hive_structure::HiveStructure;
use crate::winsock::windows_version::WindowsVersion;

#[derive(Debug, Clone, Serialize)]
pub struct Scan {
    /// The chosen control set first, then the others.
    pub diagnoses: Vec<Diagnosis>,
    /// Present when `Select\LastKnownGood` names another control set that was scanned.
    pub last_known_good: Option<LastKnownGood>,
    /// The full structural check of the hive, when it was run.
    pub structure: Option<HiveStructure>,
}

/// What differs between the chosen control set and LastKnownGood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastKnownGood {
    pub control_set: String,
    pub healthy: bool,
    pub differs: bool,
    /// Problems (critical or warning) found only in the chosen control set, as `code key`.
    pub only_in_selected: Vec<String>,
    /// Problems found only in LastKnownGood.
    pub only_in_last_known_good: Vec<String>,
}

impl Scan {
    /// No critical or warning finding in any scanned control set.
    pub fn healthy(&self) -> bool {
        self.diagnoses.iter().all(Diagnosis::healthy)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnoses
            .iter()
            .flat_map(|d| &d.findings)
            .filter(|f| f.severity == severity)
            .count()
    }
}

pub fn scan(catalogs: &SystemCatalogs, windows: &WindowsVersion) -> Scan {
    let diagnoses: Vec<Diagnosis> = std::iter::once(&catalogs.selected)
        .chain(&catalogs.others)
        .map(|cs| diagnose(cs, windows))
        .collect();
    let last_known_good = catalogs
        .select
        .as_ref()
        .and_then(|s| s.last_known_good)
        .map(control_set_name)
        .and_then(|name| diagnoses.iter().skip(1).find(|d| d.control_set == name))
        .zip(diagnoses.first())
        .map(|(lkg, selected)| compare(selected, lkg));
    Scan {
        diagnoses,
        last_known_good,
        structure: None,
    }
}

fn problems(d: &Diagnosis) -> BTreeSet<(Code, String)> {
    d.findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| (f.code, f.key.clone()))
        .collect()
}

fn compare(selected: &Diagnosis, lkg: &Diagnosis) -> LastKnownGood {
    let (a, b) = (problems(selected), problems(lkg));
    let show = |set: BTreeSet<&(Code, String)>| -> Vec<String> {
        set.into_iter()
            .map(|(code, key)| format!("{} {key}", code.as_str()))
            .collect()
    };
    let only_in_selected = show(a.difference(&b).collect());
    let only_in_last_known_good = show(b.difference(&a).collect());
    LastKnownGood {
        control_set: lkg.control_set.clone(),
        healthy: lkg.healthy(),
        differs: !only_in_selected.is_empty() || !only_in_last_known_good.is_empty(),
        only_in_selected,
        only_in_last_known_good,
    }
}
