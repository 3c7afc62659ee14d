//! What TARGET names: a SYSTEM hive file, a Windows folder, or the root (mount point) of a
//! volume holding one, or on Windows a drive letter (`D:`). Every subcommand resolves its
//! TARGET here, so they all accept the same things.
//!
//! Names are matched in any letter case at every step (see [`crate::volume::case_insensitive`]).

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hive::log::discover_logs;
use crate::report::json_path;
use crate::volume::case_insensitive::names_equal;
use crate::volume::confine::{Confined, VolumeRoot};
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
    #[serde(serialize_with = "json_path::lossy_option")]
    pub volume_root: Option<PathBuf>,
    #[serde(serialize_with = "json_path::lossy_option")]
    pub windows_dir: Option<PathBuf>,
    #[serde(serialize_with = "json_path::lossy")]
    pub system_hive: PathBuf,
    /// The transaction logs beside the SYSTEM hive (`SYSTEM.LOG1`... in any case).
    #[serde(serialize_with = "json_path::lossy_list")]
    pub system_logs: Vec<PathBuf>,
    #[serde(serialize_with = "json_path::lossy_option")]
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
        let mut root =
            VolumeRoot::new(volume_root).map_err(|e| Error::io(volume_root, "resolve", e))?;
        let layout = SystemLayout {
            system_drive,
            windows_folder: windows_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        };
        Ok(Some(check_dlls(catalogs, &mut root, &layout)))
    }

    /// Resolve a TARGET argument. A relative TARGET gives relative paths: it is made absolute
    /// only where the names it needs are not spelled (`.`, `..`, a bare `SYSTEM`).
    pub fn resolve(target: &Path) -> Result<Self> {
        let target = drive_letter_root(target);
        let metadata = std::fs::metadata(&target).map_err(|e| Error::io(&target, "open", e))?;
        if !metadata.is_dir() {
            return Self::from_hive_file(&target);
        }
        if let Some(found) = Self::from_windows_dir(&target)? {
            return Ok(found);
        }
        let (mut found, not_followed) = windows_dirs_below(&target)
            .map_err(|e| Error::io(&target, "list the folders of", e))?;
        match found.len() {
            0 => Err(Error::NoInstallation {
                detail: format!(
                    "no Windows installation here: expected a SYSTEM hive file, a Windows \
                     folder (with System32\\config\\SYSTEM) or a volume holding one{}",
                    if not_followed.is_empty() {
                        String::new()
                    } else {
                        format!(" (not followed: {})", not_followed.join("; "))
                    }
                ),
                path: target,
            }),
            1 => Ok(found.remove(0)),
            _ => Err(Error::SeveralInstallations {
                choices: found
                    .iter()
                    .filter_map(|t| t.windows_dir.as_ref())
                    .map(|w| w.display().to_string())
                    .collect(),
                how: "",
                path: target,
            }),
        }
    }

    /// The installation whose Windows folder is `windows_dir`, when it holds a SYSTEM hive. Its
    /// parent is taken as the volume root; an error when a link leads out of it.
    pub fn from_windows_dir(windows_dir: &Path) -> Result<Option<Self>> {
        Self::from_windows_dir_named(windows_dir, SYSTEM_HIVE)
    }

    /// A hive file; the Windows folder too when the file is `<Windows>\System32\config\SYSTEM`,
    /// and then it is read only if its path stays inside the volume.
    fn from_hive_file(hive: &Path) -> Result<Self> {
        let windows_dir = match windows_dir_of(hive) {
            Some(dir) => Some(dir),
            // `SYSTEM` named from inside config: the folders are not spelled, find them.
            None => std::fs::canonicalize(hive)
                .ok()
                .and_then(|c| windows_dir_of(&c)),
        };
        let (Some(windows_dir), Some(hive_name)) =
            (windows_dir, hive.file_name().and_then(|n| n.to_str()))
        else {
            return Ok(Self::plain_hive(hive));
        };
        Ok(Self::from_windows_dir_named(&windows_dir, hive_name)?
            .unwrap_or_else(|| Self::plain_hive(hive)))
    }

    fn from_windows_dir_named(windows_dir: &Path, hive_name: &str) -> Result<Option<Self>> {
        let Some((root, windows_name)) = split_parent(windows_dir)? else {
            return Ok(None);
        };
        let root = VolumeRoot::new(&root).map_err(|e| Error::io(&root, "open", e))?;
        Self::in_volume(&root, &windows_name, hive_name)
    }

    /// The installation in the folder `windows_name` of `root`: the hive, its logs and SOFTWARE,
    /// each resolved inside the root by [`VolumeRoot::resolve`]. `None` when there is no hive;
    /// an error when one of them is reached through a link leading out of the root.
    fn in_volume(root: &VolumeRoot, windows_name: &str, hive_name: &str) -> Result<Option<Self>> {
        let in_config = |name: &str| -> Vec<String> {
            [windows_name]
                .into_iter()
                .chain(CONFIG_FROM_WINDOWS)
                .chain([name])
                .map(str::to_string)
                .collect()
        };
        let outside = |reason: String| Error::OutsideVolume {
            path: root.path().join(windows_name),
            reason,
        };
        let system_hive = match root.resolve(&in_config(hive_name)) {
            // Not a regular file: opening it says what it is.
            Confined::File { path } | Confined::NotAFile { path } => path,
            Confined::Outside { reason } => return Err(outside(reason)),
            Confined::Missing { .. } | Confined::Unreadable { .. } => return Ok(None),
        };
        let mut system_logs = Vec::new();
        // The logs are optional extras: a folder that cannot be listed simply has none found;
        // opening the hive itself reports real problems.
        for log in discover_logs(&system_hive).unwrap_or_default() {
            let Some(name) = log.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            match root.resolve(&in_config(name)) {
                Confined::File { path } => system_logs.push(path),
                Confined::Outside { reason } => return Err(outside(reason)),
                _ => {}
            }
        }
        let software_hive = match root.resolve(&in_config(SOFTWARE_HIVE)) {
            Confined::File { path } => Some(path),
            Confined::Outside { reason } => return Err(outside(reason)),
            _ => None,
        };
        let windows_dir = system_hive
            .ancestors()
            .nth(CONFIG_FROM_WINDOWS.len() + 1)
            .map(Path::to_path_buf);
        Ok(Some(Self {
            volume_root: Some(root.path().to_path_buf()),
            windows_dir,
            system_hive,
            system_logs,
            software_hive,
        }))
    }

    /// A hive file outside a Windows tree, with the logs beside it.
    fn plain_hive(hive: &Path) -> Self {
        Self {
            volume_root: None,
            windows_dir: None,
            system_hive: hive.to_path_buf(),
            system_logs: discover_logs(hive).unwrap_or_default(),
            software_hive: None,
        }
    }
}

/// The installations directly below `root`: each subfolder that is a Windows folder (usually
/// just `Windows`; `WINNT` on old systems; several on a multi-boot volume), sorted. A link is
/// followed only while it stays inside `root`; the links not followed are returned, with why.
pub fn windows_dirs_below(root: &Path) -> std::io::Result<(Vec<Target>, Vec<String>)> {
    let volume = VolumeRoot::new(root)?;
    let mut found = Vec::new();
    let mut not_followed = Vec::new();
    for entry in std::fs::read_dir(root)? {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !entry
            .file_type()
            .is_ok_and(|t| t.is_dir() || t.is_symlink())
        {
            continue;
        }
        match Target::in_volume(&volume, &name, SYSTEM_HIVE) {
            Ok(Some(target)) => found.push(target),
            Ok(None) => {}
            Err(e) => not_followed.push(e.to_string()),
        }
    }
    found.sort_by(|a, b| a.windows_dir.cmp(&b.windows_dir));
    Ok((found, not_followed))
}

/// `<Windows>` of a path `<Windows>\System32\config\<hive>`, by its names.
fn windows_dir_of(hive: &Path) -> Option<PathBuf> {
    hive.parent()
        .filter(|config| has_name(config, "config"))
        .and_then(Path::parent)
        .filter(|system32| has_name(system32, "System32"))
        .and_then(Path::parent)
        .filter(|windows| windows.file_name().is_some())
        .map(Path::to_path_buf)
}

/// `dir` as the folder holding it and its name, keeping a relative path relative (`Windows` is
/// `.` and `Windows`); a path whose name is not spelled (`.`, `..`) is made canonical first.
/// `None` for a file-system root, which has no parent.
fn split_parent(dir: &Path) -> Result<Option<(PathBuf, String)>> {
    let split = |dir: &Path| {
        let name = dir.file_name()?.to_str()?.to_string();
        let parent = dir.parent()?;
        let parent = if parent.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            parent.to_path_buf()
        };
        Some((parent, name))
    };
    if dir.file_name().is_some() {
        return Ok(split(dir));
    }
    let canonical = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, "resolve", e))?;
    Ok(split(&canonical))
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
