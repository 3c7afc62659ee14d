//! Writing a new hive file safely: never over the input or its logs, never over an existing file
//! unless asked, and never a partial file (temp file in the destination folder, fsync, rename).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::image::sha256_hex;

/// Write `bytes` to `dest` and return their sha256 (hex). `protected` lists files that must never
/// be replaced (the input hive and its logs), even with `force`; an existing `dest` is replaced
/// only with `force`.
pub fn write_new_file(
    dest: &Path,
    bytes: &[u8],
    protected: &[PathBuf],
    force: bool,
) -> Result<String> {
    let refuse = |reason: String| Error::Refused {
        path: dest.to_path_buf(),
        reason,
    };
    if let Some(input) = protected.iter().find(|p| same_file(dest, p)) {
        return Err(refuse(format!("it is the input file {}", input.display())));
    }
    if !force && fs::symlink_metadata(dest).is_ok() {
        return Err(refuse(
            "the file exists (use --force to replace it)".to_string(),
        ));
    }
    let folder = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // Dropping the temp file on any error below removes it: no partial file is left.
    let mut temp = tempfile::NamedTempFile::new_in(folder)
        .map_err(|e| Error::io(folder, "create a temporary file in", e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::io(temp.path(), "write", e))?;
    let file = if force {
        temp.persist(dest)
    } else {
        temp.persist_noclobber(dest)
    }
    .map_err(|e| Error::io(dest, "rename the temporary file to", e.error))?;
    drop(file);
    sync_folder(folder);
    Ok(sha256_hex(bytes))
}

/// Whether `a` and `b` name the same file: same canonical path, or on Unix the same device and
/// inode (hard links).
fn same_file(a: &Path, b: &Path) -> bool {
    if let (Ok(ca), Ok(cb)) = (fs::canonicalize(a), fs::canonicalize(b)) {
        if ca == cb {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(ma), Ok(mb)) = (fs::metadata(a), fs::metadata(b)) {
            return ma.dev() == mb.dev() && ma.ino() == mb.ino();
        }
    }
    false
}

/// Make the rename durable where the platform allows syncing a directory; a failure here does not
/// undo a write that already succeeded, so it is ignored.
fn sync_folder(folder: &Path) {
    #[cfg(unix)]
    if let Ok(dir) = fs::File::open(folder) {
        let _ = dir.sync_all();
    }
    #[cfg(not(unix))]
    let _ = folder;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_in(dir: &Path) -> Vec<PathBuf> {
        let mut names: Vec<PathBuf> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_a_new_file_and_returns_its_sha256() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("SYSTEM.repaired");
        let sha = write_new_file(&dest, b"abc", &[], false).unwrap();
        assert_eq!(
            sha,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(fs::read(&dest).unwrap(), b"abc");
        assert_eq!(files_in(dir.path()), [dest], "no temporary file is left");
    }

    #[test]
    fn an_existing_file_is_replaced_only_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        fs::write(&dest, b"old").unwrap();
        let err = write_new_file(&dest, b"new", &[], false).unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err}");
        assert!(
            err.to_string().contains("out"),
            "the message names the path: {err}"
        );
        assert_eq!(fs::read(&dest).unwrap(), b"old");
        write_new_file(&dest, b"new", &[], true).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"new");
    }

    #[test]
    fn the_input_and_its_logs_are_never_replaced_even_with_force() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("SYSTEM");
        let log = dir.path().join("SYSTEM.LOG1");
        fs::write(&input, b"evidence").unwrap();
        fs::write(&log, b"log").unwrap();
        let protected = [input.clone(), log.clone()];
        // Another spelling of the same path.
        let other_spelling = dir.path().join(".").join("SYSTEM.LOG1");
        for dest in [&input, &other_spelling] {
            let err = write_new_file(dest, b"x", &protected, true).unwrap_err();
            assert!(matches!(err, Error::Refused { .. }), "{err}");
        }
        assert_eq!(fs::read(&input).unwrap(), b"evidence");
        assert_eq!(fs::read(&log).unwrap(), b"log");
    }

    #[cfg(unix)]
    #[test]
    fn a_hard_link_to_the_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("SYSTEM");
        fs::write(&input, b"evidence").unwrap();
        let link = dir.path().join("link");
        fs::hard_link(&input, &link).unwrap();
        let err = write_new_file(&link, b"x", std::slice::from_ref(&input), true).unwrap_err();
        assert!(matches!(err, Error::Refused { .. }), "{err}");
        assert_eq!(fs::read(&input).unwrap(), b"evidence");
    }

    #[test]
    fn an_unwritable_folder_fails_clearly_and_leaves_nothing() {
        // Tests may run as root, for whom a read-only folder is still writable: use a folder that
        // cannot exist because a file stands where it should be.
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("plain-file");
        fs::write(&file, b"").unwrap();
        let dest = file.join("SYSTEM");
        let err = write_new_file(&dest, b"x", &[], false).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert!(
            err.to_string().contains("plain-file"),
            "the message names the folder: {err}"
        );
        assert_eq!(files_in(dir.path()), [file]);

        let missing = dir.path().join("no-such-folder").join("SYSTEM");
        let err = write_new_file(&missing, b"x", &[], true).unwrap_err();
        assert!(err.to_string().contains("no-such-folder"), "{err}");
        assert!(!dir.path().join("no-such-folder").exists());
    }
}
