//! The `Windows:` line of the reports: the version, the architecture, and how certain it is.

use crate::winsock::windows_version::WindowsVersion;

/// "Windows 10 / 11, amd64 (inferred from the SYSTEM hive, which pins it)".
pub fn windows_line(windows: &WindowsVersion) -> String {
    let named = windows.evidence.iter().any(|e| e.source == "--windows");
    let how = if windows.exact {
        "from the SOFTWARE hive"
    } else if named {
        "as named with --windows"
    } else if windows.pinned {
        "inferred from the SYSTEM hive, which pins it"
    } else {
        "inferred from the SYSTEM hive, uncertain: give --software, or --windows to repair"
    };
    format!(
        "Windows:     {}, {} ({how})",
        windows.label,
        format!("{:?}", windows.arch).to_lowercase()
    )
}
