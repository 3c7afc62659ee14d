//! From a DLL path as the hive stores it to the place on the volume Windows would load it from:
//! expand `%SystemRoot%` and friends, map the system drive to the volume root, send bare file
//! names through System32 (the system folder of the search order), and redirect System32 to
//! SysWOW64 for the 32-bit catalogs of a 64-bit system (format doc §1.3: the stored path still
//! says `system32`; file-system redirection sends 32-bit processes to SysWOW64).
//!
//! Pure string logic: nothing here touches the file system.

use serde::Serialize;

use crate::volume::confine::{WindowsPath, parse_windows_path};

/// Which processes load a DLL: the native ones, or 32-bit ones under WOW64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    Native,
    Wow64,
}

/// How the volume looks from inside the Windows installation being checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemLayout {
    /// The drive letter the installation sees its own volume as (`C` unless told otherwise).
    pub system_drive: char,
    /// The Windows folder's name on the volume (`Windows`, `WINDOWS`, `WINNT`...).
    pub windows_folder: String,
}

/// Where a stored path leads, before any file is touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Components below the volume root.
    OnVolume(Vec<String>),
    /// On another drive of the machine: not available offline, not checked.
    OtherDrive(char),
    /// Would read outside the volume (UNC, device, `..`): refused.
    Outside(String),
    /// Cannot be placed: unknown variable, relative folder, unusable name.
    Unresolved(String),
}

impl SystemLayout {
    /// Locate `stored` for processes of `view`.
    pub fn locate(&self, stored: &str, view: View) -> Located {
        let expanded = match self.expand(stored, view) {
            Ok(expanded) => expanded,
            Err(reason) => return Located::Unresolved(reason),
        };
        let parsed = parse_windows_path(&expanded);
        if let Some(reason) = parsed.outside_reason() {
            return Located::Outside(reason);
        }
        let components = match parsed {
            WindowsPath::DriveAbsolute { drive, components } => {
                if drive != self.system_drive {
                    return Located::OtherDrive(drive);
                }
                components
            }
            // Services and LoadLibrary callers run with the system drive current.
            WindowsPath::Rooted { components } => components,
            WindowsPath::Relative { components } => match components.as_slice() {
                [name] => vec![
                    self.windows_folder.clone(),
                    "System32".to_string(),
                    name.clone(),
                ],
                _ => {
                    return Located::Unresolved(format!(
                        "relative path {expanded:?}: depends on the current folder of the \
                         loading process"
                    ));
                }
            },
            WindowsPath::DriveRelative { drive } => {
                return Located::Unresolved(format!(
                    "drive-relative path {expanded:?}: depends on the current folder on {drive}:"
                ));
            }
            WindowsPath::InvalidComponent(c) => {
                return Located::Unresolved(format!("{c:?} is not a usable file name"));
            }
            WindowsPath::Empty => return Located::Unresolved("empty path".to_string()),
            WindowsPath::Unc { .. } | WindowsPath::Device | WindowsPath::ParentComponent => {
                return Located::Outside(format!("{expanded:?} leaves the volume"));
            }
        };
        if components.is_empty() {
            return Located::Unresolved(format!("{expanded:?} names no file"));
        }
        Located::OnVolume(self.redirect(components, view))
    }

    /// `stored` with every `%NAME%` replaced (names compare case-insensitively, as Windows
    /// does); an unknown or unterminated variable is an error.
    fn expand(&self, stored: &str, view: View) -> Result<String, String> {
        let mut out = String::with_capacity(stored.len());
        let mut rest = stored;
        while let Some(start) = rest.find('%') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('%') else {
                return Err(format!("unterminated variable in {stored:?}"));
            };
            let name = &after[..end];
            let value = self
                .variable(name, view)
                .ok_or_else(|| format!("unknown variable %{name}% in {stored:?}"))?;
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The value of an environment variable as the system sets it for every process.
    fn variable(&self, name: &str, view: View) -> Option<String> {
        let drive = self.system_drive;
        let program_files = match view {
            View::Native => "Program Files",
            View::Wow64 => "Program Files (x86)",
        };
        let value = match name.to_ascii_uppercase().as_str() {
            "SYSTEMROOT" | "WINDIR" => format!(r"{drive}:\{}", self.windows_folder),
            "SYSTEMDRIVE" => format!("{drive}:"),
            "PROGRAMFILES" => format!(r"{drive}:\{program_files}"),
            "COMMONPROGRAMFILES" => format!(r"{drive}:\{program_files}\Common Files"),
            "PROGRAMFILES(X86)" => format!(r"{drive}:\Program Files (x86)"),
            "PROGRAMW6432" => format!(r"{drive}:\Program Files"),
            "PROGRAMDATA" => format!(r"{drive}:\ProgramData"),
            _ => return None,
        };
        Some(value)
    }

    /// WOW64 file-system redirection: `<Windows>\System32\...` is `<Windows>\SysWOW64\...`
    /// for a 32-bit process.
    fn redirect(&self, mut components: Vec<String>, view: View) -> Vec<String> {
        let is_system32 = components.len() > 2
            && components[0].eq_ignore_ascii_case(&self.windows_folder)
            && components[1].eq_ignore_ascii_case("System32");
        if view == View::Wow64 && is_system32 {
            components[1] = "SysWOW64".to_string();
        }
        components
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout() -> SystemLayout {
        SystemLayout {
            system_drive: 'C',
            windows_folder: "WINDOWS".to_string(),
        }
    }

    fn on_volume(parts: &[&str]) -> Located {
        Located::OnVolume(parts.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn system_root_windir_and_system_drive_map_to_the_volume() {
        let l = layout();
        for stored in [
            r"%SystemRoot%\system32\mswsock.dll",
            r"%windir%\system32\mswsock.dll",
            r"%SYSTEMROOT%\system32\mswsock.dll",
            r"c:\WINDOWS\system32\mswsock.dll",
            r"%SystemDrive%\WINDOWS\system32\mswsock.dll",
            r"\WINDOWS\system32\mswsock.dll",
        ] {
            assert_eq!(
                l.locate(stored, View::Native),
                on_volume(&["WINDOWS", "system32", "mswsock.dll"]),
                "{stored}"
            );
        }
    }

    #[test]
    fn wow64_redirects_system32_only() {
        let l = layout();
        assert_eq!(
            l.locate(r"%SystemRoot%\system32\mswsock.dll", View::Wow64),
            on_volume(&["WINDOWS", "SysWOW64", "mswsock.dll"])
        );
        assert_eq!(
            l.locate("mswsock.dll", View::Wow64),
            on_volume(&["WINDOWS", "SysWOW64", "mswsock.dll"])
        );
        assert_eq!(
            l.locate("mswsock.dll", View::Native),
            on_volume(&["WINDOWS", "System32", "mswsock.dll"])
        );
        assert_eq!(
            l.locate(r"%ProgramFiles%\Vendor\lsp.dll", View::Wow64),
            on_volume(&["Program Files (x86)", "Vendor", "lsp.dll"])
        );
        assert_eq!(
            l.locate(r"C:\Tools\system32\x.dll", View::Wow64),
            on_volume(&["Tools", "system32", "x.dll"])
        );
    }

    #[test]
    fn other_drives_outside_paths_and_unplaceable_ones() {
        let l = layout();
        assert_eq!(
            l.locate(r"D:\lsp\lsp.dll", View::Native),
            Located::OtherDrive('D')
        );
        let configured = SystemLayout {
            system_drive: 'D',
            ..layout()
        };
        assert_eq!(
            configured.locate(r"D:\lsp\lsp.dll", View::Native),
            on_volume(&["lsp", "lsp.dll"])
        );
        assert_eq!(
            configured.locate(r"%SystemRoot%\x.dll", View::Native),
            on_volume(&["WINDOWS", "x.dll"])
        );
        for stored in [
            r"\\attacker\share\lsp.dll",
            r"%SystemRoot%\..\..\etc\passwd",
            r"\\?\C:\Windows\System32\mswsock.dll",
        ] {
            assert!(
                matches!(l.locate(stored, View::Native), Located::Outside(_)),
                "{stored}"
            );
        }
        for stored in [
            r"%NOSUCH%\x.dll",
            r"%SystemRoot\x.dll",
            r"lsp\lsp.dll",
            "C:lsp.dll",
            "",
            r"C:\",
        ] {
            assert!(
                matches!(l.locate(stored, View::Native), Located::Unresolved(_)),
                "{stored}"
            );
        }
    }
}
