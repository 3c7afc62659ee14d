//! `winsock-doctor dlls` for people: one row per DLL path (and view), then the findings.

use std::fmt::Write;

use crate::report::catalog_table::new_table;
use crate::report::width::{fit, fit_lines, output_width};
use crate::volume::dll_check::{DllCheck, DllReport, DllRole};
use crate::volume::library_path::View;
use crate::volume::target::Target;
use crate::winsock::findings::{Finding, Severity};

pub fn render(target: &Target, report: &DllReport, findings: &[Finding]) -> String {
    let mut out = String::new();
    let shown = |p: &Option<std::path::PathBuf>| {
        p.as_ref()
            .map_or("-".to_string(), |p| p.display().to_string())
    };
    let _ = writeln!(out, "Volume root:  {}", report.volume_root.display());
    let _ = writeln!(out, "Windows:      {}", shown(&target.windows_dir));
    let _ = writeln!(out, "SYSTEM hive:  {}", target.system_hive.display());
    let _ = writeln!(
        out,
        "Seen as:      system drive {}, Windows folder {}",
        report.system_drive, report.windows_folder
    );
    let _ = writeln!(
        out,
        "Control set:  {}{}",
        report.control_set,
        if report.wow64_catalogs {
            " (64-bit: Catalog_Entries are the 32-bit catalogs, looked up in SysWOW64)"
        } else {
            ""
        }
    );

    let mut table = new_table(&[
        "Status",
        "View",
        "Stored path",
        "Used by",
        "Company",
        "Version",
        "SHA-256",
        "Detail",
    ]);
    for check in &report.dlls {
        let version = check.version.as_ref();
        table.add_row(vec![
            status_text(check),
            match check.view {
                View::Native => "native".to_string(),
                View::Wow64 => "32-bit".to_string(),
            },
            check.stored_path.clone(),
            used_by(check),
            version
                .and_then(|v| v.company_name.clone())
                .or_else(|| {
                    check
                        .version_error
                        .clone()
                        .map(|_| "(no version info)".into())
                })
                .unwrap_or_default(),
            version
                .and_then(|v| {
                    v.file_version
                        .clone()
                        .or_else(|| v.fixed_file_version.clone())
                })
                .unwrap_or_default(),
            check
                .sha256
                .as_ref()
                .map(|h| h.chars().take(16).collect())
                .unwrap_or_default(),
            check
                .detail
                .clone()
                .or_else(|| check.image_error.clone())
                .unwrap_or_default(),
        ]);
    }
    let _ = writeln!(out, "\n{}", fit(&table, output_width()));

    if findings.is_empty() {
        let _ = writeln!(out, "\nNo findings about the DLLs.");
    } else {
        let _ = writeln!(out, "\nFindings");
        for finding in findings {
            let severity = match finding.severity {
                Severity::Critical => "CRITICAL",
                Severity::Warning => "warning",
                Severity::Info => "info",
            };
            let _ = writeln!(
                out,
                "  {severity:<8} {}: {}\n           at {}",
                finding.code.as_str(),
                finding.message,
                finding.key
            );
        }
    }
    fit_lines(&out, output_width())
}

fn status_text(check: &DllCheck) -> String {
    if check.image_error.is_some() {
        return "found, cannot load".to_string();
    }
    serde_json::to_value(check.status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// "12 protocol entries, transport helper".
fn used_by(check: &DllCheck) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (role, label) in [
        (DllRole::ProtocolProvider, "protocol entr"),
        (DllRole::NamespaceProvider, "namespace provider"),
        (DllRole::AutodialDll, "AutodialDLL"),
        (DllRole::NamespaceCallout, "NameSpace_Callout"),
        (DllRole::TransportHelper, "transport helper"),
    ] {
        let n = check.references.iter().filter(|r| r.role == role).count();
        match (n, role) {
            (0, _) => {}
            (1, DllRole::ProtocolProvider) => parts.push("1 protocol entry".into()),
            (n, DllRole::ProtocolProvider) => parts.push(format!("{n} {label}ies")),
            (1, _) => parts.push(label.to_string()),
            (n, _) => parts.push(format!("{n} {label}s")),
        }
    }
    parts.join(", ")
}
