//! Findings about the DLLs on the volume, as plain data: the `scan` subcommand (another branch)
//! maps them into its own finding type.

use serde::Serialize;
use serde_json::json;

use crate::volume::dll_check::{DllCheck, DllReport, DllStatus, is_base_provider_in_use};

pub const PROVIDER_DLL_MISSING: &str = "provider_dll_missing";
pub const PROVIDER_DLL_NOT_MICROSOFT: &str = "provider_dll_not_microsoft";
pub const PROVIDER_DLL_OUTSIDE_VOLUME: &str = "provider_dll_outside_volume";

const MICROSOFT: &str = "Microsoft Corporation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VolumeFinding {
    pub code: &'static str,
    pub severity: Severity,
    /// The registry key of the first value naming the DLL (every one is in `evidence`).
    pub key: String,
    pub message: String,
    pub evidence: serde_json::Value,
}

/// The findings of a DLL report, one per DLL at most per code, in report order.
pub fn dll_findings(report: &DllReport) -> Vec<VolumeFinding> {
    let mut out = Vec::new();
    for check in &report.dlls {
        let Some(first) = check.references.first() else {
            continue;
        };
        let finding = |code, severity, message: String| VolumeFinding {
            code,
            severity,
            key: first.key.clone(),
            message,
            evidence: evidence(check),
        };
        match check.status {
            DllStatus::Missing => {
                let breaks = check.references.iter().any(is_base_provider_in_use);
                let (severity, consequence) = if breaks {
                    (
                        Severity::Critical,
                        "a base provider Winsock loads: sockets of its protocols fail",
                    )
                } else {
                    (Severity::Warning, "what names it cannot load it")
                };
                out.push(finding(
                    PROVIDER_DLL_MISSING,
                    severity,
                    format!(
                        "{} ({} view) is not on the volume; {consequence} ({} reference(s))",
                        check.stored_path,
                        view_name(check),
                        check.references.len()
                    ),
                ));
            }
            DllStatus::Found => {
                let company = check
                    .version
                    .as_ref()
                    .and_then(|v| v.company_name.as_deref());
                let what = match company {
                    Some(c) if c.trim().eq_ignore_ascii_case(MICROSOFT) => continue,
                    Some(c) => format!("is made by {c:?}"),
                    None => "has no company name in a version resource".to_string(),
                };
                out.push(finding(
                    PROVIDER_DLL_NOT_MICROSOFT,
                    Severity::Warning,
                    format!(
                        "{} ({} view) {what}, not {MICROSOFT}: a third-party provider or a \
                         replaced system DLL",
                        check.stored_path,
                        view_name(check)
                    ),
                ));
            }
            DllStatus::OutsideVolume => out.push(finding(
                PROVIDER_DLL_OUTSIDE_VOLUME,
                Severity::Warning,
                format!(
                    "{} points outside the volume ({}); not followed",
                    check.stored_path,
                    check.detail.as_deref().unwrap_or("")
                ),
            )),
            DllStatus::OtherDrive
            | DllStatus::Unresolved
            | DllStatus::NotAFile
            | DllStatus::Unreadable => {}
        }
    }
    out
}

fn view_name(check: &DllCheck) -> &'static str {
    match check.view {
        crate::volume::library_path::View::Native => "native",
        crate::volume::library_path::View::Wow64 => "32-bit",
    }
}

fn evidence(check: &DllCheck) -> serde_json::Value {
    json!({
        "stored_path": check.stored_path,
        "view": check.view,
        "status": check.status,
        "detail": check.detail,
        "path": check.path,
        "sha256": check.sha256,
        "version": check.version,
        "version_error": check.version_error,
        "references": check.references,
    })
}
