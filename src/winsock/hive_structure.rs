//! The `structure` section of a scan: the full structural check's verdict on the whole hive,
//! and a finding when the damage lies outside the Winsock keys (which the catalog findings and
//! the repair deal with), so the user learns the hive itself is damaged.

use serde::Serialize;

use crate::hive::check::{CheckReport, Problem, display_path};
use crate::winsock::findings::{Code, Finding, Severity};

/// Problems shown in a scan; `winsock-doctor check` lists them all.
pub const SHOWN: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct HiveStructure {
    /// `whole` or `damaged`.
    pub verdict: &'static str,
    pub problem_count: u64,
    /// Problems under none of the Winsock keys of the chosen control set. When more problems
    /// were found than a report keeps, the ones not kept are counted here too (their keys are
    /// unknown), so the count is then an upper bound.
    pub outside_winsock: u64,
    /// The first few problems.
    pub problems: Vec<Problem>,
}

/// The Winsock keys of `control_set`: what a repair rewrites.
pub fn winsock_scopes(control_set: &str) -> [String; 2] {
    [
        format!(r"{control_set}\Services\WinSock2"),
        format!(r"{control_set}\Services\Winsock"),
    ]
}

/// The section for `report`, and the finding for damage outside the Winsock keys of
/// `control_set`.
pub fn hive_structure(report: &CheckReport, control_set: &str) -> (HiveStructure, Option<Finding>) {
    let scopes = winsock_scopes(control_set);
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let outside: Vec<&Problem> = report.outside(&scopes).collect();
    let unkept = report.problem_count - report.problems.len() as u64;
    let structure = HiveStructure {
        verdict: if report.is_whole() {
            "whole"
        } else {
            "damaged"
        },
        problem_count: report.problem_count,
        outside_winsock: outside.len() as u64 + unkept,
        problems: report.problems.iter().take(SHOWN).cloned().collect(),
    };
    let finding = (structure.outside_winsock > 0).then(|| {
        let first = outside.first().copied().or(report.problems.first());
        let key = first
            .and_then(|p| p.key_path.as_deref())
            .map_or_else(String::new, |path| display_path(path).to_string());
        let mut finding = Finding::new(
            Code::HiveStructureDamaged,
            Severity::Warning,
            key,
            format!(
                "The hive is structurally damaged outside the Winsock keys ({} problems; \
                 first: {}). Windows may drop keys or refuse to load it; a repair writes only \
                 from a whole hive. `winsock-doctor check` lists every problem.",
                structure.outside_winsock,
                first.map_or_else(String::new, ToString::to_string)
            ),
        )
        .evidence(serde_json::json!({
            "problem_count": report.problem_count,
            "outside_winsock": structure.outside_winsock,
        }));
        finding.control_set = control_set.to_string();
        finding
    });
    (structure, finding)
}
