//! Keeping every read inside the volume. A path from the hive is evidence, possibly crafted: it
//! may climb out with `..`, name another machine (`\\server\share`), a device (`\\.\`, `\\?\`,
//! `\??\`) or another drive, or pass through a symbolic link or junction that leads elsewhere.
//! Such paths are reported with the reason, never followed.
//!
//! Two steps: [`parse_windows_path`] is pure string logic (the same on every platform); then
//! [`VolumeRoot::resolve`] walks the components down from the root, one directory listing at a
//! time, so the path it returns is made only of names that exist below the root.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::report::json_path;
use crate::volume::case_insensitive::find_child;

/// What a Windows path string names, by its syntax alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowsPath {
    /// `C:\a\b` (the drive letter upper-cased).
    DriveAbsolute {
        drive: char,
        components: Vec<String>,
    },
    /// `C:a\b`: relative to the process's current folder on that drive, unknowable offline.
    DriveRelative {
        drive: char,
    },
    /// `\a\b`: from the root of the process's current drive.
    Rooted {
        components: Vec<String>,
    },
    /// `a\b` or a bare file name.
    Relative {
        components: Vec<String>,
    },
    /// `\\server\share\...`.
    Unc {
        server: String,
    },
    /// `\\?\...`, `\\.\...`, `\??\...`: verbatim and device namespaces.
    Device,
    /// A `..` component: refused wherever it appears, so no path can climb out.
    ParentComponent,
    /// A component Windows cannot name a file with: a `:` (an alternate data stream or a
    /// second drive letter) or a control character.
    InvalidComponent(String),
    Empty,
}

impl WindowsPath {
    /// Why this path is outside any volume we read, or `None` for a path on a drive or relative.
    pub fn outside_reason(&self) -> Option<String> {
        match self {
            WindowsPath::Unc { server } => Some(format!(
                r"a network (UNC) path on \\{server}, not on this volume"
            )),
            WindowsPath::Device => Some(r"a device or verbatim path (\\?\, \\.\, \??\)".into()),
            WindowsPath::ParentComponent => Some("a `..` component".into()),
            _ => None,
        }
    }
}

fn is_separator(c: char) -> bool {
    c == '\\' || c == '/'
}

/// Classify `path` as Windows would (both `\` and `/` separate components). Pure string logic.
pub fn parse_windows_path(path: &str) -> WindowsPath {
    if path.is_empty() {
        return WindowsPath::Empty;
    }
    let mut chars = path.chars();
    let first = chars.next();
    let second = chars.next();
    let third = chars.next();
    let fourth = chars.next();
    let sep = |c: Option<char>| c.is_some_and(is_separator);

    if sep(first) && sep(second) {
        // `\\?\`, `\\.\`: verbatim and device paths; else UNC.
        if matches!(third, Some('?' | '.')) && (sep(fourth) || fourth.is_none()) {
            return WindowsPath::Device;
        }
        let server = path
            .split(is_separator)
            .find(|c| !c.is_empty())
            .unwrap_or_default()
            .to_string();
        return WindowsPath::Unc { server };
    }
    // `\??\` is the NT object-manager prefix; Win32 passes it through unchanged.
    if sep(first) && second == Some('?') && third == Some('?') && sep(fourth) {
        return WindowsPath::Device;
    }
    let (drive, rest) = match (first, second) {
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic() => (
            Some(letter.to_ascii_uppercase()),
            path.get(2..).unwrap_or(""),
        ),
        _ => (None, path),
    };
    let components = match split_components(rest) {
        Ok(components) => components,
        Err(bad) => return bad,
    };
    match drive {
        Some(drive) if rest.starts_with(is_separator) => {
            WindowsPath::DriveAbsolute { drive, components }
        }
        Some(drive) => WindowsPath::DriveRelative { drive },
        None if rest.starts_with(is_separator) => WindowsPath::Rooted { components },
        None => WindowsPath::Relative { components },
    }
}

/// The components of `rest`, without empty and `.` ones; a `..` or an unusable name is an error.
fn split_components(rest: &str) -> Result<Vec<String>, WindowsPath> {
    let mut out = Vec::new();
    for component in rest.split(is_separator) {
        match component {
            "" | "." => {}
            ".." => return Err(WindowsPath::ParentComponent),
            // Windows strips trailing dots and spaces, so `.. ` and `...` also mean the parent
            // or worse: refuse anything made only of dots and spaces.
            c if c.chars().all(|ch| ch == '.' || ch == ' ') => {
                return Err(WindowsPath::ParentComponent);
            }
            c if c.contains(':') || c.chars().any(char::is_control) => {
                return Err(WindowsPath::InvalidComponent(c.to_string()));
            }
            c => out.push(c.to_string()),
        }
    }
    Ok(out)
}

/// Where walking a path below the root ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Confined {
    /// A regular file below the root, reached without leaving it.
    File {
        #[serde(serialize_with = "json_path::lossy")]
        path: PathBuf,
    },
    /// The component `missing` does not exist in `folder` (in any letter case).
    Missing {
        #[serde(serialize_with = "json_path::lossy")]
        folder: PathBuf,
        missing: String,
    },
    /// The walk would leave the root (a link or junction pointing elsewhere); not followed.
    Outside { reason: String },
    /// The path exists but is a folder or a special file.
    NotAFile {
        #[serde(serialize_with = "json_path::lossy")]
        path: PathBuf,
    },
    /// A folder on the way could not be listed.
    Unreadable {
        #[serde(serialize_with = "json_path::lossy")]
        path: PathBuf,
        error: String,
    },
}

/// The root of a mounted volume (or of a copied Windows tree): every read stays below it.
#[derive(Debug, Clone)]
pub struct VolumeRoot {
    path: PathBuf,
    /// The root with every link resolved, to compare link targets with.
    canonical: PathBuf,
}

impl VolumeRoot {
    pub fn new(path: &Path) -> io::Result<Self> {
        Ok(Self {
            // Without a trailing separator (`D/` as `D`), as Windows spells a root in reports.
            path: path.components().collect(),
            canonical: std::fs::canonicalize(path)?,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Walk `components` down from the root, matching each in any letter case. A component
    /// that is a symbolic link or junction is followed only when its target lies below the
    /// root; the file at the end must be a regular file.
    pub fn resolve(&self, components: &[String]) -> Confined {
        let mut current = self.path.clone();
        for component in components {
            let found = match find_child(&current, component) {
                Ok(found) => found,
                Err(e) if e.kind() == io::ErrorKind::NotFound || is_not_a_directory(&current) => {
                    None
                }
                Err(e) => {
                    return Confined::Unreadable {
                        path: current,
                        error: e.to_string(),
                    };
                }
            };
            let Some(next) = found else {
                return Confined::Missing {
                    folder: current,
                    missing: component.clone(),
                };
            };
            let metadata = match std::fs::symlink_metadata(&next) {
                Ok(m) => m,
                Err(e) => {
                    return Confined::Unreadable {
                        path: next,
                        error: e.to_string(),
                    };
                }
            };
            if metadata.file_type().is_symlink() {
                if let Some(reason) = self.link_escape(&next) {
                    return Confined::Outside { reason };
                }
            }
            current = next;
        }
        // Links on the way were checked above; this follows only an inside link.
        match std::fs::metadata(&current) {
            Ok(m) if m.is_file() => Confined::File { path: current },
            Ok(_) => Confined::NotAFile { path: current },
            Err(e) => Confined::Unreadable {
                path: current,
                error: e.to_string(),
            },
        }
    }

    /// Why following the link at `link` would leave the root, or `None` when it stays inside.
    fn link_escape(&self, link: &Path) -> Option<String> {
        match std::fs::canonicalize(link) {
            Ok(target) if target.starts_with(&self.canonical) => None,
            Ok(target) => Some(format!(
                "{} is a link to {}, outside the volume root {}",
                link.display(),
                target.display(),
                self.canonical.display()
            )),
            Err(e) => Some(format!(
                "{} is a link whose target cannot be resolved ({e}); not followed",
                link.display()
            )),
        }
    }
}

/// A file where a folder was expected means the rest of the path is missing.
fn is_not_a_directory(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn components(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drive_letters() {
        assert_eq!(
            parse_windows_path(r"c:\Windows\system32\mswsock.dll"),
            WindowsPath::DriveAbsolute {
                drive: 'C',
                components: components(&["Windows", "system32", "mswsock.dll"])
            }
        );
        assert_eq!(
            parse_windows_path("D:/Tools//lsp.dll"),
            WindowsPath::DriveAbsolute {
                drive: 'D',
                components: components(&["Tools", "lsp.dll"])
            }
        );
        assert_eq!(
            parse_windows_path(r"C:lsp.dll"),
            WindowsPath::DriveRelative { drive: 'C' }
        );
        assert_eq!(
            parse_windows_path(r"\Windows\.\x.dll"),
            WindowsPath::Rooted {
                components: components(&["Windows", "x.dll"])
            }
        );
        assert_eq!(
            parse_windows_path("mswsock.dll"),
            WindowsPath::Relative {
                components: components(&["mswsock.dll"])
            }
        );
        // A digit is not a drive letter.
        assert_eq!(
            parse_windows_path("1:x"),
            WindowsPath::InvalidComponent("1:x".into())
        );
    }

    #[test]
    fn unc_and_device_paths_are_outside() {
        for (path, expected) in [
            (
                r"\\server\share\lsp.dll",
                WindowsPath::Unc {
                    server: "server".into(),
                },
            ),
            (
                "//evil/x/y.dll",
                WindowsPath::Unc {
                    server: "evil".into(),
                },
            ),
            (r"\\?\C:\Windows\x.dll", WindowsPath::Device),
            (r"\\.\PhysicalDrive0", WindowsPath::Device),
            (r"\??\C:\x.dll", WindowsPath::Device),
            (r"\\?\UNC\server\share\x.dll", WindowsPath::Device),
        ] {
            let parsed = parse_windows_path(path);
            assert_eq!(parsed, expected, "{path}");
            assert!(parsed.outside_reason().is_some(), "{path}");
        }
    }

    #[test]
    fn parent_components_are_refused_anywhere() {
        for path in [
            r"C:\Windows\..\..\etc\passwd",
            r"..\x.dll",
            r"%x%\..",
            r"C:\a\... \b",
            "a/../b",
        ] {
            let parsed = parse_windows_path(path);
            assert_eq!(parsed, WindowsPath::ParentComponent, "{path}");
            assert!(parsed.outside_reason().is_some());
        }
        assert_eq!(
            parse_windows_path(r"C:\a\x.dll:stream"),
            WindowsPath::InvalidComponent("x.dll:stream".into())
        );
        assert_eq!(parse_windows_path(""), WindowsPath::Empty);
    }

    #[test]
    fn resolve_stays_below_the_root_and_ignores_case() {
        let dir = tempfile::tempdir().unwrap();
        let system32 = dir.path().join("WINDOWS").join("system32");
        std::fs::create_dir_all(&system32).unwrap();
        std::fs::write(system32.join("MSWSOCK.DLL"), b"x").unwrap();
        let root = VolumeRoot::new(dir.path()).unwrap();
        assert_eq!(
            root.resolve(&components(&["Windows", "System32", "mswsock.dll"])),
            Confined::File {
                path: system32.join("MSWSOCK.DLL")
            }
        );
        assert_eq!(
            root.resolve(&components(&["Windows", "System32", "gone.dll"])),
            Confined::Missing {
                folder: system32.clone(),
                missing: "gone.dll".into()
            }
        );
        assert_eq!(
            root.resolve(&components(&["Windows", "System32", "mswsock.dll", "x"])),
            Confined::Missing {
                folder: system32.join("MSWSOCK.DLL"),
                missing: "x".into()
            }
        );
        assert_eq!(
            root.resolve(&components(&["Windows"])),
            Confined::NotAFile {
                path: dir.path().join("WINDOWS")
            }
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_root_are_not_followed_links_inside_are() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.dll"), b"secret").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let system32 = dir.path().join("Windows").join("System32");
        std::fs::create_dir_all(&system32).unwrap();
        std::fs::write(system32.join("real.dll"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.dll"), system32.join("out.dll"))
            .unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("Out")).unwrap();
        std::os::unix::fs::symlink(system32.join("real.dll"), system32.join("in.dll")).unwrap();
        let root = VolumeRoot::new(dir.path()).unwrap();
        for path in [
            components(&["Windows", "System32", "out.dll"]),
            components(&["out", "secret.dll"]),
        ] {
            assert!(
                matches!(root.resolve(&path), Confined::Outside { .. }),
                "{path:?}"
            );
        }
        assert_eq!(
            root.resolve(&components(&["windows", "system32", "in.dll"])),
            Confined::File {
                path: system32.join("in.dll")
            }
        );
    }
}
