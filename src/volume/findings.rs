//! Findings about the DLLs on the volume, in the same form as every other `scan` finding.

use serde_json::json;

use crate::volume::dll_check::{DllCheck, DllReport, DllStatus, is_base_provider_in_use};
use crate::volume::library_path::View;
use crate::winsock::dll_path::DllPath;
use crate::winsock::family::{Arch, Family};
use crate::winsock::findings::{Code, Finding, Severity};
use crate::winsock::windows_version::WindowsVersion;

const MICROSOFT: &str = "Microsoft Corporation";

/// The findings of a DLL report, one per DLL at most per code, in report order.
/// `control_set` is the one whose configuration named the DLLs; `windows`, when known, gives
/// the processor (else the 64-bit catalogs do) and whether the offline system file check exists.
pub fn dll_findings(
    report: &DllReport,
    control_set: &str,
    windows: Option<&WindowsVersion>,
) -> Vec<Finding> {
    let x64 = match windows.map(|w| w.arch) {
        Some(Arch::Amd64 | Arch::Arm64 | Arch::Ia64) => true,
        Some(Arch::X86) => false,
        Some(Arch::Unknown) | None => report.wow64_catalogs,
    };
    let sfc = sfc_command(report, windows);
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
            DllStatus::Found if check.image_error.is_some() || wrong_bits(check, x64).is_some() => {
                let in_use = check.references.iter().any(|r| r.in_use);
                let severity = if in_use {
                    Severity::Critical
                } else {
                    Severity::Warning
                };
                let (code, why) = match (&check.image_error, wrong_bits(check, x64)) {
                    (Some(error), _) => (Code::ProviderDllUnloadable, error.clone()),
                    (None, Some((found, wanted))) => (
                        Code::ProviderDllWrongArch,
                        format!(
                            "it is a {found}-bit image where {wanted}-bit programs load it ({})",
                            folder_of(check, x64)
                        ),
                    ),
                    (None, None) => continue,
                };
                let mut finding = finding(
                    code,
                    severity,
                    format!(
                        "{} ({} view): Windows cannot load it: {why} ({} reference(s))",
                        check.stored_path,
                        view_name(check),
                        check.references.len()
                    ),
                );
                if DllPath::parse(&check.stored_path).in_system_directory() {
                    finding.repair.command = sfc.clone();
                }
                out.push(finding);
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
            // Another drive is not on this volume either: what it holds cannot be checked.
            DllStatus::OutsideVolume | DllStatus::OtherDrive => {
                let detail = check.detail.as_deref().unwrap_or("");
                let message = if check.status == DllStatus::OtherDrive {
                    format!("{} is not on this volume ({detail})", check.stored_path)
                } else {
                    format!(
                        "{} points outside the volume ({detail}); not followed",
                        check.stored_path
                    )
                };
                out.push(finding(
                    Code::ProviderDllOutsideVolume,
                    Severity::Warning,
                    message,
                ));
            }
            DllStatus::Unresolved | DllStatus::NotAFile | DllStatus::Unreadable => {}
        }
    }
    out
}

/// (found, wanted) bits when the image's bitness is not the one of the processes that load it.
fn wrong_bits(check: &DllCheck, x64: bool) -> Option<(u8, u8)> {
    let wanted = if x64 && check.view == View::Native {
        64
    } else {
        32
    };
    let found = check.machine?.bits()?;
    (found != wanted).then_some((found, wanted))
}

fn folder_of(check: &DllCheck, x64: bool) -> &'static str {
    match (x64, check.view) {
        (true, View::Native) => "the native view of a 64-bit Windows: System32",
        (true, View::Wow64) => "the 32-bit view of a 64-bit Windows: SysWOW64",
        (false, _) => "a 32-bit Windows",
    }
}

/// The offline system file check for this volume (Vista and later have it): the volume's drive
/// when it is one, else D: as in WinPE.
fn sfc_command(report: &DllReport, windows: Option<&WindowsVersion>) -> Option<String> {
    if windows.is_some_and(|w| w.family <= Family::Xp2003) {
        return None;
    }
    let root = report.volume_root.to_string_lossy();
    let drive = match root.as_bytes() {
        [letter, b':', ..] if letter.is_ascii_alphabetic() => {
            format!("{}:", char::from(*letter).to_ascii_uppercase())
        }
        _ => "D:".to_string(),
    };
    Some(format!(
        r"sfc /scannow /offbootdir={drive}\ /offwindir={drive}\{}",
        report.windows_folder
    ))
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
        "machine": check.machine,
        "image_error": check.image_error,
        "references": check.references,
    })
}
