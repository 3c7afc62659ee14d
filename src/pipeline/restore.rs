//! `restore`: put back the hive and logs an install (or a restore) kept in a backup folder.
//! Every backed-up file is checked against its manifest first; a mismatch refuses and changes
//! nothing. The files put back replace the current ones in the same transaction as an install
//! (see [`crate::pipeline::transaction`]), so the hive being replaced is itself kept, in a new
//! backup folder that `restore` can put back in turn.

use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::hive::image::sha256_of_reader;
use crate::hive::log::discover_logs;
use crate::image::open::image_container;
use crate::pipeline::backup_folder::{BackupState, FoundBackup, list_backups, open_backup_folder};
use crate::pipeline::backup_manifest::{
    BackedUpFile, BackupManifest, Changes, MANIFEST_VERSION, Operation, Tool,
};
use crate::pipeline::transaction::{self, Content, CurrentFile, NewFile, Transaction};
use crate::volume::case_insensitive::{find_child, names_equal};
use crate::volume::target::{SYSTEM_HIVE, Target};

/// The config folder a `restore` TARGET names, and its SYSTEM hive.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFolder {
    pub folder: PathBuf,
    pub system_hive: PathBuf,
    pub system_logs: Vec<PathBuf>,
}

impl ConfigFolder {
    /// A config folder (holding SYSTEM), or anything [`Target::resolve`] takes.
    pub fn resolve(target: &Path) -> Result<Self> {
        if let Some(container) = image_container(target) {
            return Err(Error::WrongInput {
                path: target.to_path_buf(),
                reason: format!(
                    "a disk image ({}): repair --install never writes into an image, so it \
                     holds no backup of this tool's; restore works on a volume (a mounted \
                     partition or a drive letter)",
                    container.name()
                ),
            });
        }
        let hive_here = target
            .is_dir()
            .then(|| find_child(target, SYSTEM_HIVE).ok().flatten())
            .flatten()
            .filter(|p| p.is_file());
        let system_hive = match hive_here {
            Some(hive) => hive,
            None => Target::resolve(target)?.system_hive,
        };
        let system_hive =
            std::path::absolute(&system_hive).map_err(|e| Error::io(&system_hive, "resolve", e))?;
        let folder = system_hive.parent().unwrap_or(Path::new(".")).to_path_buf();
        let system_logs =
            discover_logs(&system_hive).map_err(|e| Error::io(&folder, "list the logs in", e))?;
        Ok(Self {
            folder,
            system_hive,
            system_logs,
        })
    }

    /// The backup folders here, newest first.
    pub fn backups(&self) -> Result<Vec<FoundBackup>> {
        list_backups(&self.folder)
    }
}

/// What a restore did, or in a dry run would do.
#[derive(Debug, Clone, Serialize)]
pub struct Restored {
    /// The backup folder put back.
    pub backup: PathBuf,
    /// Its files, each checked against the manifest, and where each goes: the hive first.
    pub files: Vec<RestoredFile>,
    /// The new backup folder holding the hive and logs that were replaced (`None` in a dry
    /// run).
    pub replaced_kept_in: Option<PathBuf>,
    pub dry_run: bool,
}

/// A backed-up file and where it is put back.
#[derive(Debug, Clone, Serialize)]
pub struct RestoredFile {
    #[serde(flatten)]
    pub file: BackedUpFile,
    pub to: PathBuf,
}

/// Restore the backup folder `backup` (else the newest made by an install) of `config`.
pub fn restore(
    config: &ConfigFolder,
    backup: Option<&Path>,
    dry_run: bool,
    command_line: Vec<String>,
) -> Result<Restored> {
    let backup = match backup {
        Some(named) => open_backup_folder(&config.folder, named)?,
        None => newest_install_backup(config)?,
    };
    let manifest = BackupManifest::read(&backup)?;
    check_files(&backup, &manifest)?;
    let hive_name = file_name(&config.system_hive);
    let (hive_files, log_files): (Vec<&BackedUpFile>, Vec<&BackedUpFile>) = manifest
        .files
        .iter()
        .partition(|f| names_equal(&f.original, &hive_name.to_uppercase()));
    let [hive_file] = hive_files.as_slice() else {
        return Err(Error::Refused {
            path: backup.clone(),
            reason: format!("its manifest does not list one {hive_name} hive"),
        });
    };
    let files: Vec<RestoredFile> = std::iter::once(RestoredFile {
        file: (*hive_file).clone(),
        to: config.system_hive.clone(),
    })
    .chain(log_files.iter().map(|f| RestoredFile {
        file: (*f).clone(),
        to: config.folder.join(&f.original),
    }))
    .collect();
    if dry_run {
        return Ok(Restored {
            backup,
            files,
            replaced_kept_in: None,
            dry_run,
        });
    }

    let sources: Vec<PathBuf> = log_files.iter().map(|f| backup.join(&f.name)).collect();
    let hive_source = backup.join(&hive_file.name);
    let now = jiff::Timestamp::now();
    let committed = transaction::run(
        Transaction {
            hive: &config.system_hive,
            current: std::iter::once(&config.system_hive)
                .chain(&config.system_logs)
                .map(|path| CurrentFile {
                    path: path.clone(),
                    sha256_when_read: None,
                })
                .collect(),
            new_hive: new_file(hive_file, &hive_source),
            new_logs: log_files
                .iter()
                .zip(&sources)
                .map(|(file, source)| new_file(file, source))
                .collect(),
            manifest: BackupManifest {
                format_version: MANIFEST_VERSION,
                tool: Tool::this(),
                operation: Operation::Restore,
                created: now.to_string(),
                command_line,
                files: Vec::new(),
                installed_sha256: hive_file.sha256.clone(),
                changes: Changes {
                    restored_backup: Some(file_name(&backup)),
                    ..Changes::default()
                },
            },
        },
        now,
    )?;
    Ok(Restored {
        backup,
        files,
        replaced_kept_in: Some(committed.backup),
        dry_run,
    })
}

/// A backed-up file to put back under its original name.
fn new_file<'a>(file: &BackedUpFile, source: &'a Path) -> NewFile<'a> {
    NewFile {
        name: file.original.clone(),
        content: Content::CopyOf(source),
        sha256: file.sha256.clone(),
    }
}

/// The newest backup folder an install made, with a readable manifest.
fn newest_install_backup(config: &ConfigFolder) -> Result<PathBuf> {
    config
        .backups()?
        .into_iter()
        .find(|b| {
            matches!(&b.state, BackupState::Usable { manifest } if manifest.operation == Operation::Install)
        })
        .map(|b| b.path)
        .ok_or_else(|| Error::NoBackup {
            folder: config.folder.clone(),
        })
}

/// Every file the manifest lists is a regular file of the backup folder with the size and
/// sha256 the manifest says.
fn check_files(backup: &Path, manifest: &BackupManifest) -> Result<()> {
    for file in &manifest.files {
        let path = backup.join(&file.name);
        let refuse = |reason: String| Error::Refused {
            path: path.clone(),
            reason: format!("{reason}; nothing was restored"),
        };
        let metadata = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, "open", e))?;
        if !metadata.is_file() {
            return Err(refuse("not a regular file".into()));
        }
        let sha256 = fs::File::open(&path)
            .and_then(sha256_of_reader)
            .map_err(|e| Error::io(&path, "read", e))?;
        if sha256 != file.sha256 || metadata.len() != file.size {
            return Err(refuse(format!(
                "it has sha256 {sha256} ({} bytes), but the manifest says {} ({} bytes)",
                metadata.len(),
                file.sha256,
                file.size
            )));
        }
    }
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
