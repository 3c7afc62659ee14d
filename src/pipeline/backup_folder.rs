//! Backup folders in a config folder: `winsock-doctor-backup-<UTC time>-<counter>`. A new one
//! never reuses a name (the folder is created, not looked for, and an existing name moves on to
//! the next counter); the ones found are listed newest first; one named by the user is taken
//! only when it is a real folder directly in the config folder.

use std::fs;
use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::pipeline::backup_manifest::BackupManifest;

pub const BACKUP_PREFIX: &str = "winsock-doctor-backup-";

/// How many folders of the same second are tried before giving up.
const MAX_COUNTER: u32 = 10_000;

/// Create a new backup folder in `config`, named for `now`.
pub fn create_backup_folder(config: &Path, now: jiff::Timestamp) -> Result<PathBuf> {
    let stamp = now.strftime("%Y%m%dT%H%M%SZ").to_string();
    for counter in 1..=MAX_COUNTER {
        let folder = config.join(format!("{BACKUP_PREFIX}{stamp}-{counter}"));
        match fs::create_dir(&folder) {
            Ok(()) => return Ok(folder),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(Error::io(&folder, "create the backup folder", e)),
        }
    }
    Err(Error::Refused {
        path: config.to_path_buf(),
        reason: format!("{MAX_COUNTER} backup folders already exist for {stamp}"),
    })
}

/// A backup folder found in a config folder.
#[derive(Debug, Serialize)]
pub struct FoundBackup {
    pub path: PathBuf,
    /// Its manifest, or why it cannot be used.
    #[serde(flatten)]
    pub state: BackupState,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupState {
    Usable { manifest: BackupManifest },
    Refused { reason: String },
}

/// The backup folders of `config`, newest first.
pub fn list_backups(config: &Path) -> Result<Vec<FoundBackup>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(config).map_err(|e| Error::io(config, "list", e))? {
        let entry = entry.map_err(|e| Error::io(config, "list", e))?;
        let name = entry.file_name();
        let Some(key) = name.to_str().and_then(order_key) else {
            continue;
        };
        let path = entry.path();
        let state =
            match checked_backup_folder(config, &path).and_then(|()| BackupManifest::read(&path)) {
                Ok(manifest) => BackupState::Usable { manifest },
                Err(e) => BackupState::Refused {
                    reason: e.to_string(),
                },
            };
        found.push((key, FoundBackup { path, state }));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(found.into_iter().map(|(_, backup)| backup).collect())
}

/// The backup folder `named` (a folder name in `config`, or a path to it), refused unless it
/// is a real folder (not a link) directly in `config`.
pub fn open_backup_folder(config: &Path, named: &Path) -> Result<PathBuf> {
    let mut components = named.components();
    let path = match (components.next(), components.next()) {
        (Some(Component::Normal(name)), None) => config.join(name),
        _ => named.to_path_buf(),
    };
    checked_backup_folder(config, &path)?;
    Ok(path)
}

/// Refuse a backup folder that is a link, not a folder, or not directly in `config`.
fn checked_backup_folder(config: &Path, path: &Path) -> Result<()> {
    let refuse = |reason: &str| Error::Refused {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let metadata = fs::symlink_metadata(path).map_err(|e| Error::io(path, "open", e))?;
    if metadata.file_type().is_symlink() {
        return Err(refuse(
            "the backup folder is a link; only a real folder is trusted",
        ));
    }
    if !metadata.is_dir() {
        return Err(refuse("not a folder"));
    }
    let canonical = |p: &Path| fs::canonicalize(p).map_err(|e| Error::io(p, "resolve", e));
    let parent = path.parent().unwrap_or(Path::new("."));
    if canonical(parent)? != canonical(config)? {
        return Err(refuse(&format!(
            "a backup folder must be directly in the config folder {}",
            config.display()
        )));
    }
    Ok(())
}

/// The order of a backup folder's name, `None` for any other name: the time, then the counter.
fn order_key(name: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(BACKUP_PREFIX)?;
    let (stamp, counter) = rest.rsplit_once('-')?;
    Some((stamp.to_string(), counter.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_the_same_second_get_the_next_counter() {
        let dir = tempfile::tempdir().unwrap();
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let first = create_backup_folder(dir.path(), now).unwrap();
        let second = create_backup_folder(dir.path(), now).unwrap();
        assert_ne!(first, second);
        assert!(first.ends_with("winsock-doctor-backup-20270115T080000Z-1"));
        assert!(second.ends_with("winsock-doctor-backup-20270115T080000Z-2"));
    }

    #[test]
    fn newest_first_counter_included() {
        let mut keys = [
            order_key("winsock-doctor-backup-20270115T080000Z-2").unwrap(),
            order_key("winsock-doctor-backup-20270115T080000Z-10").unwrap(),
            order_key("winsock-doctor-backup-20260115T080000Z-99").unwrap(),
        ];
        keys.sort_by(|a, b| b.cmp(a));
        assert_eq!(keys.map(|k| k.1), [10, 2, 99]);
        assert_eq!(order_key("SYSTEM"), None);
        assert_eq!(order_key("winsock-doctor-backup-x"), None);
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_or_outside_backup_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir_all(&config).unwrap();
        fs::create_dir_all(elsewhere.join("winsock-doctor-backup-20270115T080000Z-1")).unwrap();
        let link = config.join("winsock-doctor-backup-20270115T080000Z-1");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        for named in [
            link.clone(),
            PathBuf::from("winsock-doctor-backup-20270115T080000Z-1"),
            elsewhere.join("winsock-doctor-backup-20270115T080000Z-1"),
        ] {
            let err = open_backup_folder(&config, &named).unwrap_err();
            assert!(matches!(err, Error::Refused { .. }), "{named:?}: {err}");
        }
        let listed = list_backups(&config).unwrap();
        assert!(matches!(listed[0].state, BackupState::Refused { .. }));
    }
}
