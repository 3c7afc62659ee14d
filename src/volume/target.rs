//! What TARGET names: a SYSTEM hive file, a Windows folder, or the root (mount point) of a
//! volume holding one, or on Windows a drive letter (`D:`). Every subcommand resolves its
//! TARGET here, so they all accept the same things.
//!
//! Names are matched in any letter case at every step (see [`crate::volume::case_insensitive`]).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hive::log::discover_logs;
use crate::volume::case_insensitive::{find_child, find_path, names_equal};
use crate::volume::confine::VolumeRoot;
use crate::volume::dll_check::{DllReport, check_dlls};
use crate::volume::library_path::SystemLayout;
use crate::winsock::catalog::ControlSetCatalogs;

/// The folders from a Windows folder to its hives.
pub const CONFIG_FROM_WINDOWS: [&str; 2] = ["System32", "config"];
pub const SYSTEM_HIVE: &str = "SYSTEM";
pub const SOFTWARE_HIVE: &str = "SOFTWARE";

/// A resolved TARGET: the SYSTEM hive to read and, when it sits in a Windows installation, the
/// folders around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The folder holding the Windows folder (a volume root or mount point, or wherever a
    /// Windows tree was copied); `None` for a hive file outside a Windows tree.
    pub volume_root: Option<PathBuf>,
    pub windows_dir: Option<PathBuf>,
    pub system_hive: PathBuf,
    /// The transaction logs beside the SYSTEM hive (`SYSTEM.LOG1`... in any case).
    pub system_logs: Vec<PathBuf>,
    pub software_hive: Option<PathBuf>,
}

impl Target {
    /// Look on the volume for the DLLs `catalogs` name. `None` for a hive file outside a
    /// Windows folder: there is no volume to look at. `system_drive` is the letter the
    /// installation had for its own volume.
    pub fn check_dlls(
        &self,
        catalogs: &ControlSetCatalogs,
        system_drive: char,
    ) -> Result<Option<DllReport>> {
        let (Some(windows_dir), Some(volume_root)) = (&self.windows_dir, &self.volume_root) else {
            return Ok(None);
        };
        let root =
            VolumeRoot::new(volume_root).map_err(|e| Error::io(volume_root, "resolve", e))?;
        let layout = SystemLayout {
            system_drive,
            windows_folder: windows_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        Ok(Some(check_dlls(catalogs, &root, &layout)))
    }

    /// Resolve a TARGET argument.
    pub fn resolve(target: &Path) -> Result<Self> {
        let target = drive_letter_root(target);
        let target = std::path::absolute(&target)
            .map_err(|e| Error::io(&target, "make an absolute path of", e))?;
        let metadata = std::fs::metadata(&target).map_err(|e| Error::io(&target, "open", e))?;
        if !metadata.is_dir() {
            return Self::from_hive_file(&target);
        }
        if let Some(found) = Self::from_windows_dir(&target) {
            return Ok(found);
        }
        let mut found = windows_dirs_below(&target)
            .map_err(|e| Error::io(&target, "list the folders of", e))?;
        match found.len() {
            0 => Err(Error::Usage(format!(
                "{}: no Windows installation here: expected a SYSTEM hive file, a Windows folder \
                 (with System32\\config\\SYSTEM) or a volume holding one",
                target.display()
            ))),
            1 => Ok(found.remove(0)),
            _ => Err(Error::Usage(format!(
                "{}: several Windows installations, name one: {}",
                target.display(),
                found
                    .iter()
                    .filter_map(|t| t.windows_dir.as_ref())
                    .map(|w| w.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The installation whose Windows folder is `windows_dir`, when it holds a SYSTEM hive.
    pub fn from_windows_dir(windows_dir: &Path) -> Option<Self> {
        let config = find_path(windows_dir, &CONFIG_FROM_WINDOWS)?;
        let system_hive = find_child(&config, SYSTEM_HIVE).ok()??;
        if !system_hive.is_file() {
            return None;
        }
        Some(Self::around_hive(
            system_hive,
            Some(windows_dir.to_path_buf()),
        ))
    }

    /// A hive file; the Windows folder too when the file is `<Windows>\System32\config\SYSTEM`.
    fn from_hive_file(hive: &Path) -> Result<Self> {
        let windows_dir = hive
            .parent()
            .filter(|config| has_name(config, "config"))
            .and_then(Path::parent)
            .filter(|system32| has_name(system32, "System32"))
            .and_then(Path::parent)
            .map(Path::to_path_buf);
        Ok(Self::around_hive(hive.to_path_buf(), windows_dir))
    }

    fn around_hive(system_hive: PathBuf, windows_dir: Option<PathBuf>) -> Self {
        // The logs are optional extras here: a folder that cannot be listed simply has none
        // found; opening the hive itself reports real problems.
        let system_logs = discover_logs(&system_hive).unwrap_or_default();
        let software_hive = windows_dir.as_ref().and_then(|_| {
            let config = system_hive.parent()?;
            find_child(config, SOFTWARE_HIVE)
                .ok()?
                .filter(|p| p.is_file())
        });
        let volume_root = windows_dir
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf);
        Self {
            volume_root,
            windows_dir,
            system_hive,
            system_logs,
            software_hive,
        }
    }
}

/// The installations directly below `root`: each subfolder that is a Windows folder (usually
/// just `Windows`; `WINNT` on old systems; several on a multi-boot volume), sorted.
pub fn windows_dirs_below(root: &Path) -> std::io::Result<Vec<Target>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        // Links are not followed: an installation is a real folder on this volume.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            if let Some(target) = Target::from_windows_dir(&entry.path()) {
                found.push(target);
            }
        }
    }
    found.sort_by(|a, b| a.windows_dir.cmp(&b.windows_dir));
    Ok(found)
}

fn has_name(path: &Path, name: &str) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| names_equal(n, &name.to_uppercase()))
}

/// On Windows, `D:` alone means "the current folder of drive D"; as a TARGET it means the
/// volume, `D:\`.
fn drive_letter_root(target: &Path) -> PathBuf {
    if cfg!(windows) {
        if let Some(root) = target.to_str().and_then(bare_drive_root) {
            return PathBuf::from(root);
        }
    }
    target.to_path_buf()
}

/// `D:` becomes `D:\`; anything else `None`. Pure string logic, tested on every platform.
pub fn bare_drive_root(arg: &str) -> Option<String> {
    match arg.as_bytes() {
        [letter, b':'] if letter.is_ascii_alphabetic() => {
            Some(format!("{}:\\", char::from(*letter).to_ascii_uppercase()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_drive_letter_means_its_root() {
        assert_eq!(bare_drive_root("d:").as_deref(), Some(r"D:\"));
        assert_eq!(bare_drive_root("D:").as_deref(), Some(r"D:\"));
        assert_eq!(bare_drive_root(r"D:\"), None);
        assert_eq!(bare_drive_root("DD:"), None);
        assert_eq!(bare_drive_root("1:"), None);
        assert_eq!(bare_drive_root(""), None);
    }
}
