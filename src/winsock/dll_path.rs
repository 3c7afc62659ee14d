//! Where a provider DLL path points, judged offline from the text alone: the Windows system
//! directory (`%SystemRoot%\system32\x.dll`, `C:\Windows\SysWOW64\x.dll`...), somewhere else,
//! a relative path, or a bare file name that Windows finds through the DLL search order (the
//! ZeroAccess trick, format doc §5.6).

use serde::Serialize;

/// Where a DLL path points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DllLocation {
    /// Directly in `<Windows>\System32` or `<Windows>\SysWOW64`.
    SystemDirectory,
    /// Elsewhere under the Windows directory (`%SystemRoot%\Temp\x.dll`).
    WindowsDirectory,
    /// An absolute path outside the Windows directory (`C:\Program Files\...`).
    Foreign,
    /// A path with folders but no drive or variable: resolved against the current directory.
    Relative,
    /// Only a file name: found through the DLL search order.
    BareFileName,
    Empty,
}

impl DllLocation {
    pub fn describe(self) -> &'static str {
        match self {
            Self::SystemDirectory => "in the Windows system directory",
            Self::WindowsDirectory => "under the Windows directory but not in System32",
            Self::Foreign => "outside the Windows directory",
            Self::Relative => "a relative path (resolved against the current directory)",
            Self::BareFileName => "a bare file name (found through the DLL search order)",
            Self::Empty => "empty",
        }
    }
}

/// A DLL path split into where it points and its file name (lower case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DllPath {
    pub location: DllLocation,
    pub file_name: String,
}

impl DllPath {
    pub fn parse(path: &str) -> Self {
        let path = path.trim().trim_matches('"');
        let file_name = path
            .rsplit(['\\', '/'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Self {
            location: locate(path),
            file_name,
        }
    }

    pub fn in_system_directory(&self) -> bool {
        self.location == DllLocation::SystemDirectory
    }
}

/// The part after the Windows directory, when `path` starts with one: `%SystemRoot%`,
/// `%windir%`, `\SystemRoot`, or `X:\Windows` / `X:\WINNT`.
fn after_windows_directory(path: &str) -> Option<&str> {
    let lower = path.to_ascii_lowercase();
    for prefix in ["%systemroot%", "%windir%", r"\systemroot"] {
        if lower.starts_with(prefix) {
            return path.get(prefix.len()..);
        }
    }
    let bytes = lower.as_bytes();
    let drive = bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':')
        && bytes.get(2) == Some(&b'\\');
    if drive {
        for dir in ["windows", "winnt"] {
            let rest = lower.get(3..)?;
            if rest.starts_with(dir) && matches!(rest.as_bytes().get(dir.len()), Some(b'\\')) {
                return path.get(3 + dir.len()..);
            }
        }
    }
    None
}

fn locate(path: &str) -> DllLocation {
    if path.is_empty() {
        return DllLocation::Empty;
    }
    if let Some(rest) = after_windows_directory(path) {
        let parts: Vec<&str> = rest.split('\\').filter(|p| !p.is_empty()).collect();
        let system = parts.len() == 2
            && (parts[0].eq_ignore_ascii_case("system32")
                || parts[0].eq_ignore_ascii_case("syswow64"));
        return if system {
            DllLocation::SystemDirectory
        } else {
            DllLocation::WindowsDirectory
        };
    }
    let bytes = path.as_bytes();
    let absolute = (bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.get(1) == Some(&b':'))
        || path.starts_with('\\')
        || path.starts_with('%');
    if absolute {
        DllLocation::Foreign
    } else if path.contains(['\\', '/']) {
        DllLocation::Relative
    } else {
        DllLocation::BareFileName
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn location(path: &str) -> DllLocation {
        DllPath::parse(path).location
    }

    #[test]
    fn system_directory_in_all_its_spellings() {
        for path in [
            r"%SystemRoot%\system32\mswsock.dll",
            r"%windir%\system32\vsocklib.dll",
            r"C:\Windows\System32\rasadhlp.dll",
            r"D:\WINNT\system32\msafd.dll",
            r"C:\Windows\SysWOW64\mswsock.dll",
        ] {
            assert_eq!(location(path), DllLocation::SystemDirectory, "{path}");
        }
        assert_eq!(
            DllPath::parse(r"%SystemRoot%\System32\MSWSOCK.DLL").file_name,
            "mswsock.dll"
        );
    }

    #[test]
    fn everything_else_is_told_apart() {
        assert_eq!(location("mswsock.dll"), DllLocation::BareFileName);
        assert_eq!(location(r"lsp\pcaplsp.dll"), DllLocation::Relative);
        assert_eq!(
            location(r"C:\Program Files\VMware\vsocklib.dll"),
            DllLocation::Foreign
        );
        assert_eq!(
            location(r"C:\Windowsx\system32\a.dll"),
            DllLocation::Foreign
        );
        assert_eq!(
            location(r"%SystemRoot%\system32\sub\a.dll"),
            DllLocation::WindowsDirectory
        );
        assert_eq!(location(r"%TEMP%\a.dll"), DllLocation::Foreign);
        assert_eq!(location(""), DllLocation::Empty);
    }
}
