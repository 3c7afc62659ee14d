//! Findings about the DLLs on the volume, in the same form as every other `scan` finding.

use serde_json::json;

use crate::volume::dll_check::{DllCheck, DllReport, DllStatus, is_base_provider_in_use};
use crate::winsock::findings::{Code, Finding, Severity};

const MICROSOFT: &str = "Microsoft Corporation";

/// The findings of a DLL report, one per DLL at most per code, in report order.
/// `control_set` is the one whose configuration named the DLLs.
pub fn dll_findings(report: &DllReport, control_set: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for check in &report.dlls {
        let Some(first) = check.references.first() else {
            continue;
        };
        // References name keys from the hive root; findings name them from the control set.
        let key = first
            .key
            .strip_prefix(control_set)
            .and_then(|k| k.strip_prefix('\\'))
            .unwrap_or(&first.key);
        let finding = |code, severity, message: String| {
            let mut finding = Finding::new(code, severity, key, message)
                .value(first.value.clone())
                .evidence(evidence(check));
            finding.control_set = control_set.to_string();
            finding
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
                    Code::ProviderDllMissing,
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
                    Code::ProviderDllNotMicrosoft,
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
                Code::ProviderDllOutsideVolume,
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
