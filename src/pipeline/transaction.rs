//! Replacing a hive and its logs in a config folder as one transaction, for `repair --install`
//! and `restore`. The files there now are copied into a new backup folder and checked against
//! the hashes taken when they were read; the new files are staged beside them and checked;
//! only then is the new hive renamed over the old one (atomic), the old logs moved into the
//! backup (they belong to the old hive) and the new logs put in place. Every step is journaled:
//! when one fails, the journal is played backwards, so the folder holds the same files with the
//! same bytes as before and nothing the command created is left.

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::image::sha256_of_reader;
use crate::pipeline::backup_folder::create_backup_folder;
use crate::pipeline::backup_manifest::{BackedUpFile, BackupManifest, MANIFEST_NAME};

/// Where a new file's bytes come from.
pub enum Content<'a> {
    Bytes(&'a [u8]),
    /// A file copied as it is, permissions included (a file of a backup folder).
    CopyOf(&'a Path),
}

/// A file to put in the config folder.
pub struct NewFile<'a> {
    /// Its name in the config folder.
    pub name: String,
    pub content: Content<'a>,
    /// The sha256 its staged copy must have.
    pub sha256: String,
}

/// A file of the config folder that the transaction replaces or moves away.
pub struct CurrentFile {
    pub path: PathBuf,
    /// Its sha256 when it was read, if it was: the backup must match it.
    pub sha256_when_read: Option<String>,
}

pub struct Transaction<'a> {
    /// The hive being replaced: `<config>\SYSTEM`.
    pub hive: &'a Path,
    /// The hive, then the logs beside it.
    pub current: Vec<CurrentFile>,
    pub new_hive: NewFile<'a>,
    pub new_logs: Vec<NewFile<'a>>,
    /// The manifest to write into the backup folder; its list of files is filled in here.
    pub manifest: BackupManifest,
}

/// What a committed transaction did.
#[derive(Debug, Clone)]
pub struct Committed {
    pub backup: PathBuf,
    pub manifest_path: PathBuf,
    /// Where the old logs are now (in the backup folder).
    pub moved_logs: Vec<PathBuf>,
}

/// Run `tx`; on any failure the config folder is put back as it was.
pub fn run(mut tx: Transaction<'_>, now: jiff::Timestamp) -> Result<Committed> {
    let config = tx.hive.parent().unwrap_or(Path::new(".")).to_path_buf();
    refuse_live_system(tx.hive)?;
    let mut journal = Journal::default();
    match steps(&mut tx, &config, now, &mut journal) {
        Ok(committed) => Ok(committed),
        Err(e) => Err(journal.roll_back(e)),
    }
}

fn steps(
    tx: &mut Transaction<'_>,
    config: &Path,
    now: jiff::Timestamp,
    journal: &mut Journal,
) -> Result<Committed> {
    let staged_hive = stage(config, &tx.new_hive, tx.hive, journal)?;
    let mut staged_logs = Vec::new();
    for log in &tx.new_logs {
        let staged = stage(config, log, tx.hive, journal)?;
        staged_logs.push((staged, config.join(&log.name)));
    }

    let backup = create_backup_folder(config, now)?;
    journal.push(Undo::RemoveFolder(backup.clone()));
    let mut files = Vec::new();
    for current in &tx.current {
        files.push(back_up(current, &backup, journal)?);
    }
    tx.manifest.files = files;
    journal.push(Undo::Remove(backup.join(MANIFEST_NAME)));
    let manifest_path = tx.manifest.write_new(&backup)?;
    sync_folder(&backup)?;
    sync_folder(config)?;

    // From here the config folder itself changes. The hive's swap is undone by renaming its
    // checked copy back.
    rename(&staged_hive, tx.hive)?;
    journal.push(Undo::MoveBack {
        now_at: backup.join(file_name(tx.hive)?),
        back_to: tx.hive.to_path_buf(),
    });
    let mut moved_logs = Vec::new();
    for current in tx.current.iter().skip(1) {
        // Over its checked copy: the backup now holds the very file.
        let moved = backup.join(file_name(&current.path)?);
        rename(&current.path, &moved)?;
        journal.push(Undo::MoveBack {
            now_at: moved.clone(),
            back_to: current.path.clone(),
        });
        moved_logs.push(moved);
    }
    for (staged, dest) in staged_logs {
        if fs::symlink_metadata(&dest).is_ok() {
            return Err(Error::Refused {
                path: dest,
                reason: "a file of that name is still there".into(),
            });
        }
        rename(&staged, &dest)?;
        journal.push(Undo::Remove(dest));
    }
    sync_folder(&backup)?;
    sync_folder(config)?;
    journal.commit();
    Ok(Committed {
        backup,
        manifest_path,
        moved_logs,
    })
}

/// Write `file` under a new name in `config`, synced, with the permissions of its source (of
/// the hive it replaces, for bytes), and check what was written.
fn stage(config: &Path, file: &NewFile<'_>, hive: &Path, journal: &mut Journal) -> Result<PathBuf> {
    let mut temp = tempfile::Builder::new()
        .prefix(&format!("{}.winsock-doctor-new.", file.name))
        .tempfile_in(config)
        .map_err(|e| Error::io(config, "create a file in", e))?;
    let permissions_of = match file.content {
        Content::Bytes(bytes) => {
            temp.write_all(bytes)
                .map_err(|e| Error::io(temp.path(), "write", e))?;
            hive
        }
        Content::CopyOf(source) => {
            let mut from = fs::File::open(source).map_err(|e| Error::io(source, "open", e))?;
            std::io::copy(&mut from, temp.as_file_mut())
                .map_err(|e| Error::io(temp.path(), "write", e))?;
            source
        }
    };
    temp.as_file()
        .sync_all()
        .map_err(|e| Error::io(temp.path(), "write", e))?;
    let permissions = fs::metadata(permissions_of)
        .map_err(|e| Error::io(permissions_of, "read the permissions of", e))?
        .permissions();
    let path = temp
        .into_temp_path()
        .keep()
        .map_err(|e| Error::io(config, "keep a staged file in", e.error))?;
    journal.push(Undo::Remove(path.clone()));
    fs::set_permissions(&path, permissions)
        .map_err(|e| Error::io(&path, "set the permissions of", e))?;
    let written = hash(&path)?;
    if written != file.sha256 {
        return Err(Error::Refused {
            path,
            reason: format!(
                "the staged file reads back as sha256 {written}, not {}",
                file.sha256
            ),
        });
    }
    Ok(path)
}

/// Copy `current` into `backup` (permissions included), synced, and check the copy against the
/// hash taken when the file was read (else against the file itself, hashed now).
fn back_up(current: &CurrentFile, backup: &Path, journal: &mut Journal) -> Result<BackedUpFile> {
    let name = file_name(&current.path)?;
    let copy = backup.join(&name);
    // A link would be backed up as what it points to, and replaced as a link.
    let metadata =
        fs::symlink_metadata(&current.path).map_err(|e| Error::io(&current.path, "open", e))?;
    if !metadata.is_file() {
        return Err(Error::Refused {
            path: current.path.clone(),
            reason: "not a regular file (a link?): it cannot be backed up and replaced".into(),
        });
    }
    let expected = match &current.sha256_when_read {
        Some(sha256) => sha256.clone(),
        None => hash(&current.path)?,
    };
    journal.push(Undo::Remove(copy.clone()));
    let size = fs::copy(&current.path, &copy).map_err(|e| Error::io(&copy, "back up to", e))?;
    fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&copy, "write", e))?;
    let copied = hash(&copy)?;
    if copied != expected {
        return Err(Error::Refused {
            path: current.path.clone(),
            reason: format!(
                "its backup {} has sha256 {copied}, but it had {expected} when it was read \
                 (changed since, or the copy is bad)",
                copy.display()
            ),
        });
    }
    Ok(BackedUpFile {
        original: name.clone(),
        name,
        size,
        sha256: copied,
    })
}

/// One step to undo.
enum Undo {
    Remove(PathBuf),
    RemoveFolder(PathBuf),
    MoveBack { now_at: PathBuf, back_to: PathBuf },
}

#[derive(Default)]
struct Journal(Vec<Undo>);

impl Journal {
    fn push(&mut self, undo: Undo) {
        self.0.push(undo);
    }

    fn commit(&mut self) {
        self.0.clear();
    }

    /// Undo every step, newest first; `error` is what failed. A step that cannot be undone is
    /// added to the message, with where its file is, so nothing is lost silently.
    fn roll_back(&mut self, error: Error) -> Error {
        let mut problems = Vec::new();
        while let Some(undo) = self.0.pop() {
            let undone = match &undo {
                Undo::Remove(path) => fs::remove_file(path).map_err(|e| (path, e)),
                Undo::RemoveFolder(path) => fs::remove_dir(path).map_err(|e| (path, e)),
                Undo::MoveBack { now_at, back_to } => {
                    fs::rename(now_at, back_to).map_err(|e| (now_at, e))
                }
            };
            match undone {
                Err((_, e)) if e.kind() == ErrorKind::NotFound => {}
                Err((path, e)) => problems.push(format!("{}: {e}", path.display())),
                Ok(()) => {}
            }
            if let Undo::MoveBack { back_to, .. } = &undo {
                let _ = sync_folder(back_to.parent().unwrap_or(Path::new(".")));
            }
        }
        if problems.is_empty() {
            return error;
        }
        Error::UndoFailed {
            error: Box::new(error),
            problems,
        }
    }
}

fn rename(from: &Path, to: &Path) -> Result<()> {
    fs::rename(from, to).map_err(|e| Error::io(to, "rename a file to", e))
}

fn hash(path: &Path) -> Result<String> {
    fs::File::open(path)
        .and_then(sha256_of_reader)
        .map_err(|e| Error::io(path, "read", e))
}

fn file_name(path: &Path) -> Result<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| Error::WrongInput {
            path: path.to_path_buf(),
            reason: "not a file name".into(),
        })
}

/// Make renames and new names durable where the platform can sync a folder.
fn sync_folder(folder: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(folder)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| Error::io(folder, "sync", e))?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

/// The hive of the running Windows is in use: on Windows, refuse when `hive` is in
/// `%SystemRoot%\System32\config` (in WinPE that is X:\Windows, so another drive's
/// installation passes). Elsewhere no Windows is running from a mounted volume.
fn refuse_live_system(hive: &Path) -> Result<()> {
    #[cfg(windows)]
    if let Some(root) = std::env::var_os("SystemRoot") {
        let live = Path::new(&root).join("System32").join("config");
        let canonical = |p: &Path| fs::canonicalize(p).ok();
        let config = hive.parent().and_then(canonical);
        if config.is_some() && config == canonical(&live) {
            return Err(Error::Refused {
                path: hive.to_path_buf(),
                reason: "it is the hive of the running Windows; boot WinPE or another system"
                    .into(),
            });
        }
    }
    #[cfg(not(windows))]
    let _ = hive;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hive::image::sha256_hex;
    use crate::pipeline::backup_manifest::{Changes, MANIFEST_VERSION, Operation, Tool};

    fn manifest() -> BackupManifest {
        BackupManifest {
            format_version: MANIFEST_VERSION,
            tool: Tool::this(),
            operation: Operation::Restore,
            created: String::new(),
            command_line: Vec::new(),
            files: Vec::new(),
            installed_sha256: String::new(),
            changes: Changes::default(),
        }
    }

    /// Every file below `dir` with its bytes.
    fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(snapshot(&path));
            } else {
                let bytes = fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
        out.sort();
        out
    }

    fn config_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in files {
            fs::write(dir.path().join(name), bytes).unwrap();
        }
        dir
    }

    fn current(dir: &Path, name: &str) -> CurrentFile {
        CurrentFile {
            path: dir.join(name),
            sha256_when_read: None,
        }
    }

    /// A transaction that puts "new" in place of `hive`, with `current` moved to the backup.
    fn replacing(hive: &Path, current: Vec<CurrentFile>) -> Transaction<'_> {
        Transaction {
            hive,
            current,
            new_hive: NewFile {
                name: "SYSTEM".into(),
                content: Content::Bytes(b"new"),
                sha256: sha256_hex(b"new"),
            },
            new_logs: Vec::new(),
            manifest: manifest(),
        }
    }

    #[test]
    fn a_committed_transaction_swaps_the_hive_and_moves_the_logs() {
        let dir = config_with(&[("SYSTEM", b"old"), ("SYSTEM.LOG1", b"log")]);
        let hive = dir.path().join("SYSTEM");
        let tx = replacing(
            &hive,
            vec![
                current(dir.path(), "SYSTEM"),
                current(dir.path(), "SYSTEM.LOG1"),
            ],
        );
        let done = run(tx, jiff::Timestamp::UNIX_EPOCH).unwrap();
        assert_eq!(fs::read(&hive).unwrap(), b"new");
        assert!(!dir.path().join("SYSTEM.LOG1").exists());
        assert_eq!(fs::read(done.backup.join("SYSTEM")).unwrap(), b"old");
        assert_eq!(fs::read(done.backup.join("SYSTEM.LOG1")).unwrap(), b"log");
        let manifest = BackupManifest::read(&done.backup).unwrap();
        assert_eq!(manifest.files.len(), 2);
        assert_eq!(manifest.files[0].sha256, sha256_hex(b"old"));
    }

    #[test]
    fn a_failure_after_the_swap_puts_everything_back() {
        // SYSTEM.LOG2 is in the way of the new log and not among the files moved away: the
        // last step fails, after the hive was replaced and the old log moved.
        let dir = config_with(&[
            ("SYSTEM", b"old"),
            ("SYSTEM.LOG1", b"log"),
            ("SYSTEM.LOG2", b"other"),
            ("source", b"new log"),
        ]);
        let before = snapshot(dir.path());
        let hive = dir.path().join("SYSTEM");
        let source = dir.path().join("source");
        let tx = Transaction {
            new_logs: vec![NewFile {
                name: "SYSTEM.LOG2".into(),
                content: Content::CopyOf(&source),
                sha256: sha256_hex(b"new log"),
            }],
            ..replacing(
                &hive,
                vec![
                    current(dir.path(), "SYSTEM"),
                    current(dir.path(), "SYSTEM.LOG1"),
                ],
            )
        };
        let err = run(tx, jiff::Timestamp::UNIX_EPOCH).unwrap_err();
        assert!(err.to_string().contains("SYSTEM.LOG2"), "{err}");
        assert_eq!(snapshot(dir.path()), before);
    }

    #[cfg(unix)]
    #[test]
    fn a_linked_hive_is_refused_and_left_alone() {
        let dir = config_with(&[("real", b"old")]);
        let hive = dir.path().join("SYSTEM");
        std::os::unix::fs::symlink(dir.path().join("real"), &hive).unwrap();
        let tx = replacing(&hive, vec![current(dir.path(), "SYSTEM")]);
        let err = run(tx, jiff::Timestamp::UNIX_EPOCH).unwrap_err();
        assert!(err.to_string().contains("regular file"), "{err}");
        assert!(fs::symlink_metadata(&hive).unwrap().is_symlink());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_file_changed_since_it_was_read_stops_the_install() {
        let dir = config_with(&[("SYSTEM", b"changed")]);
        let before = snapshot(dir.path());
        let hive = dir.path().join("SYSTEM");
        let read = vec![CurrentFile {
            path: hive.clone(),
            sha256_when_read: Some(sha256_hex(b"as read")),
        }];
        let tx = replacing(&hive, read);
        let err = run(tx, jiff::Timestamp::UNIX_EPOCH).unwrap_err();
        assert!(err.to_string().contains("when it was read"), "{err}");
        assert_eq!(snapshot(dir.path()), before);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
