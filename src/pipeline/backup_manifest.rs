//! The manifest of a backup folder: which files were there before an install (or a restore),
//! each with its size and sha256, what replaced them, and by which command. `restore` reads it
//! back and trusts a backed-up file only when its bytes still match.

use std::fs;
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest's file name inside a backup folder.
pub const MANIFEST_NAME: &str = "winsock-doctor-backup.json";

/// Version of the manifest's shape.
pub const MANIFEST_VERSION: u32 = 1;

/// What made a backup folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// `repair --install`: the files are the hive and logs the repaired hive replaced.
    Install,
    /// `restore`: the files are the (repaired) hive and logs a restore put aside.
    Restore,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One file kept in the backup folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackedUpFile {
    /// Its name inside the backup folder.
    pub name: String,
    /// Where it was, relative to the config folder (the folder holding SYSTEM).
    pub original: String,
    pub size: u64,
    pub sha256: String,
}

/// What the command changed, for people reading the manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changes {
    /// The repairs asked for (`reset`, `remove-lsp wglsp.dll`, `reset-namespace`...).
    #[serde(default)]
    pub modes: Vec<String>,
    /// The control sets the repair changed.
    #[serde(default)]
    pub control_sets: Vec<String>,
    /// With a restore: the backup folder whose files were put back.
    #[serde(default)]
    pub restored_backup: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupManifest {
    pub format_version: u32,
    pub tool: Tool,
    pub operation: Operation,
    /// When the backup was made (RFC 3339, UTC).
    pub created: String,
    /// The command line that made it.
    pub command_line: Vec<String>,
    /// The files as they were before the command, the hive first.
    pub files: Vec<BackedUpFile>,
    /// The sha256 of the hive put in SYSTEM's place (the repaired hive for an install).
    pub installed_sha256: String,
    pub changes: Changes,
}

impl BackupManifest {
    /// Read and check the manifest of the backup folder `folder`: every name it holds must be
    /// a plain file name, so nothing it says can lead outside the config folder.
    pub fn read(folder: &Path) -> Result<Self> {
        let path = folder.join(MANIFEST_NAME);
        let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, "read", e))?;
        let manifest: Self = serde_json::from_str(&text).map_err(|e| Error::Refused {
            path: path.clone(),
            reason: format!("not a backup manifest: {e}"),
        })?;
        for file in &manifest.files {
            for name in [&file.name, &file.original] {
                if !is_plain_file_name(name) {
                    return Err(Error::Refused {
                        path: path.clone(),
                        reason: format!(
                            "it names \"{name}\", which is not a file of the config folder"
                        ),
                    });
                }
            }
        }
        Ok(manifest)
    }

    /// Write the manifest as a new file in `folder`, synced. Returns its path.
    pub fn write_new(&self, folder: &Path) -> Result<std::path::PathBuf> {
        use std::io::Write;
        let path = folder.join(MANIFEST_NAME);
        let text = serde_json::to_vec_pretty(self).map_err(|e| Error::Refused {
            path: path.clone(),
            reason: format!("cannot serialise the manifest: {e}"),
        })?;
        fs::File::create_new(&path)
            .and_then(|mut file| {
                file.write_all(&text)?;
                file.write_all(b"\n")?;
                file.sync_all()
            })
            .map_err(|e| Error::io(&path, "write", e))?;
        Ok(path)
    }
}

/// One normal path component: no folder, no `..`, no drive or root.
fn is_plain_file_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(_)), None)
    ) && !name.contains(['/', '\\', ':'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(original: &str) -> BackupManifest {
        BackupManifest {
            format_version: MANIFEST_VERSION,
            tool: Tool::this(),
            operation: Operation::Install,
            created: "2026-12-04T17:00:00Z".into(),
            command_line: vec!["winsock-doctor".into()],
            files: vec![BackedUpFile {
                name: "SYSTEM".into(),
                original: original.into(),
                size: 3,
                sha256: "00".into(),
            }],
            installed_sha256: "11".into(),
            changes: Changes::default(),
        }
    }

    #[test]
    fn a_manifest_reads_back_as_written() {
        let dir = tempfile::tempdir().unwrap();
        let written = manifest("SYSTEM");
        written.write_new(dir.path()).unwrap();
        assert_eq!(BackupManifest::read(dir.path()).unwrap(), written);
        // Never over an existing manifest.
        assert!(written.write_new(dir.path()).is_err());
    }

    #[test]
    fn a_manifest_naming_a_path_outside_the_config_folder_is_refused() {
        for bad in [
            "../SYSTEM",
            "/etc/passwd",
            r"..\SYSTEM",
            "C:SYSTEM",
            "a/b",
            "..",
            "",
        ] {
            let dir = tempfile::tempdir().unwrap();
            manifest(bad).write_new(dir.path()).unwrap();
            let err = BackupManifest::read(dir.path()).unwrap_err();
            assert!(matches!(err, Error::Refused { .. }), "{bad}: {err}");
        }
    }
}
