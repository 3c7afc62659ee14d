//! The older copies of a SYSTEM hive a Windows volume may hold: `config\RegBack\SYSTEM`,
//! Windows XP restore points (`System Volume Information\_restore{GUID}\RPn\snapshot\
//! _REGISTRY_MACHINE_SYSTEM`), `Windows\repair\system`, `Windows.old`, and the backups this
//! tool's `--install` made. Every path is walked through the volume's confinement resolver, so a
//! link never leads a read off the volume; what is found but cannot serve is said, not dropped.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::pipeline::backup_folder::{BackupState, list_backups};
use crate::report::json_path;
use crate::volume::case_insensitive::find_child;
use crate::volume::confine::{Confined, VolumeRoot};
use crate::volume::target::{CONFIG_FROM_WINDOWS, SYSTEM_HIVE};

/// Where an older copy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryKind {
    /// Another control set of the hive itself.
    ControlSet,
    /// `config\RegBack\SYSTEM`: the periodic copy (until Windows 10 1803).
    RegBack,
    /// A Windows XP System Restore point's snapshot.
    RestorePoint,
    /// `Windows\repair\system`: the hive as Windows XP was set up.
    RepairFolder,
    /// `Windows.old\Windows\System32\config\SYSTEM`: the installation before an upgrade.
    WindowsOld,
    /// A backup `repair --install` made.
    ToolBackup,
}

/// A hive file found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryFile {
    pub kind: HistoryKind,
    pub path: PathBuf,
    /// The SOFTWARE hive saved with it (same folder), which tells its exact Windows build.
    pub software: Option<PathBuf>,
}

/// A copy found that cannot serve, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: PathBuf,
    pub reason: String,
}

/// What a volume holds.
#[derive(Debug, Default)]
pub struct HistoryFiles {
    pub files: Vec<HistoryFile>,
    pub skipped: Vec<Skipped>,
}

const RESTORE_FOLDERS: &str = "System Volume Information";
const RESTORE_PREFIX: &str = "_restore";
const SNAPSHOT: [&str; 2] = ["snapshot", "_REGISTRY_MACHINE_SYSTEM"];

/// The older copies of SYSTEM on the volume at `root` whose Windows folder is `windows`;
/// `config` is the config folder the hive was found in (for the tool's backups).
pub fn history_files(root: &VolumeRoot, windows: &str, config: Option<&Path>) -> HistoryFiles {
    let mut found = HistoryFiles::default();
    let in_windows = |rest: &[&str]| -> Vec<String> {
        std::iter::once(windows)
            .chain(rest.iter().copied())
            .map(str::to_string)
            .collect()
    };
    let regback = [
        CONFIG_FROM_WINDOWS[0],
        CONFIG_FROM_WINDOWS[1],
        "RegBack",
        SYSTEM_HIVE,
    ];
    found.look(root, HistoryKind::RegBack, &in_windows(&regback));
    for (folder, rp) in restore_points(root, &mut found.skipped) {
        let mut path = vec![RESTORE_FOLDERS.to_string(), folder, rp];
        path.extend(SNAPSHOT.iter().map(|s| s.to_string()));
        found.look(root, HistoryKind::RestorePoint, &path);
    }
    found.look(
        root,
        HistoryKind::RepairFolder,
        &in_windows(&["repair", "system"]),
    );
    let old: Vec<String> = ["Windows.old", "Windows", "System32", "config", SYSTEM_HIVE]
        .iter()
        .map(|s| s.to_string())
        .collect();
    found.look(root, HistoryKind::WindowsOld, &old);
    if let Some(config) = config {
        found.tool_backups(config);
    }
    found
}

impl HistoryFiles {
    /// The file at `components` below `root`, when there is one that can be read.
    fn look(&mut self, root: &VolumeRoot, kind: HistoryKind, components: &[String]) {
        match root.resolve(components) {
            Confined::File { path } => match std::fs::metadata(&path) {
                Ok(m) if m.len() == 0 => self.skipped.push(Skipped {
                    path,
                    reason: "0 bytes, an empty copy (Windows 10 1803 and later leave RegBack \
                             empty unless EnablePeriodicBackup is set)"
                        .into(),
                }),
                Ok(_) => self.files.push(HistoryFile {
                    kind,
                    software: software_beside(&path),
                    path,
                }),
                Err(e) => self.skipped.push(Skipped {
                    path,
                    reason: e.to_string(),
                }),
            },
            Confined::Missing { .. } => {}
            Confined::Outside { reason } => self.skipped.push(Skipped {
                path: components.iter().collect(),
                reason,
            }),
            Confined::NotAFile { path } => self.skipped.push(Skipped {
                path,
                reason: "not a regular file".into(),
            }),
            Confined::Unreadable { path, error } => self.skipped.push(Skipped {
                path,
                reason: error,
            }),
        }
    }

    /// The hives of the usable backups of `config`, newest first.
    fn tool_backups(&mut self, config: &Path) {
        let Ok(backups) = list_backups(config) else {
            return;
        };
        for backup in backups {
            match backup.state {
                BackupState::Usable { manifest } => {
                    if let Some(hive) = manifest.files.first() {
                        // A backup holds SYSTEM and its logs only.
                        self.files.push(HistoryFile {
                            kind: HistoryKind::ToolBackup,
                            path: backup.path.join(&hive.name),
                            software: None,
                        });
                    }
                }
                BackupState::Refused { reason } => self.skipped.push(Skipped {
                    path: backup.path,
                    reason,
                }),
            }
        }
    }
}

/// The SOFTWARE copy saved beside the SYSTEM copy `system` (`SOFTWARE` beside `SYSTEM`,
/// `_REGISTRY_MACHINE_SOFTWARE` beside `_REGISTRY_MACHINE_SYSTEM`, any letter case): a
/// non-empty regular file of the same folder, never a link, so it stays where `system` is.
pub fn software_beside(system: &Path) -> Option<PathBuf> {
    let name = system.file_name()?.to_str()?;
    let stem = name.len().checked_sub("SYSTEM".len())?;
    if !name.get(stem..)?.eq_ignore_ascii_case("SYSTEM") {
        return None;
    }
    let folder = system.parent()?;
    let software = find_child(folder, &format!("{}SOFTWARE", &name[..stem])).ok()??;
    std::fs::symlink_metadata(&software)
        .is_ok_and(|m| m.is_file() && m.len() > 0)
        .then_some(software)
}

/// The `(_restore{GUID}, RPn)` folder pairs of the volume, in name order.
fn restore_points(root: &VolumeRoot, skipped: &mut Vec<Skipped>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let folders = [RESTORE_FOLDERS.to_string()];
    for folder in folder_names(root, &folders, skipped) {
        if !folder.to_ascii_lowercase().starts_with(RESTORE_PREFIX) {
            continue;
        }
        let path = [RESTORE_FOLDERS.to_string(), folder.clone()];
        for rp in folder_names(root, &path, skipped) {
            let digits = rp.get(2..).unwrap_or_default();
            if rp.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("RP"))
                && !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
            {
                out.push((folder.clone(), rp));
            }
        }
    }
    out
}

/// The names in the folder at `components` (confined), sorted; none when it is missing.
fn folder_names(
    root: &VolumeRoot,
    components: &[String],
    skipped: &mut Vec<Skipped>,
) -> Vec<String> {
    let folder = match root.resolve(components) {
        Confined::NotAFile { path } => path,
        Confined::Outside { reason } => {
            skipped.push(Skipped {
                path: components.iter().collect(),
                reason,
            });
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    let entries = match std::fs::read_dir(&folder) {
        Ok(entries) => entries,
        Err(e) => {
            skipped.push(Skipped {
                path: folder,
                reason: format!("cannot be listed: {e}"),
            });
            return Vec::new();
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}
