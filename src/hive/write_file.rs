//! Writing a new hive file safely: never over the input or its logs (nor where a log of the input
//! would be), never over an existing file unless asked and then only over a regular file, and
//! never a partial file (temp file in the destination folder, fsync, rename). The new file gets
//! the input's permissions.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::image::sha256_hex;
use crate::hive::log::discover::is_log_name;
use crate::hive::read_file::file_kind;

/// Write `bytes` to `dest` and return their sha256 (hex). `protected` lists files that must never
/// be replaced (the input hive first, then its logs), even with `force`, nor any file named like
/// their logs beside them; an existing `dest` is replaced only with `force`, and only when it is
/// a regular file. The file gets the permissions of the first protected file (0644 without one).
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
    if let Some(input) = protected.iter().find(|p| is_beside_as_log(dest, p)) {
        return Err(refuse(format!(
            "it is named like a transaction log of the input {}",
            input.display()
        )));
    }
    if let Ok(existing) = fs::symlink_metadata(dest) {
        if !existing.is_file() {
            return Err(refuse(format!(
                "it is {}; only a regular file is ever replaced",
                file_kind(&existing)
            )));
        }
        if !force {
            return Err(refuse(
                "the file exists (use --force to replace it)".to_string(),
            ));
        }
    }
    // The hash is computed beside the write and its sync, which take as long.
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| sha256_hex(bytes));
        write_and_rename(dest, bytes, protected.first(), force)?;
        Ok(hashing
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    })
}

/// Write `bytes` to a temporary file beside `dest` with the permissions of `input`, sync it,
/// and rename it to `dest`.
fn write_and_rename(dest: &Path, bytes: &[u8], input: Option<&PathBuf>, force: bool) -> Result<()> {
    let folder = &folder_of(dest);
    // Dropping the temp file on any error below removes it: no partial file is left.
    let mut temp = tempfile::NamedTempFile::new_in(folder)
        .map_err(|e| Error::io(folder, "create a temporary file in", e))?;
    let permissions = permissions_for(input);
    temp.write_all(bytes)
        .and_then(|()| match permissions {
            Some(permissions) => temp.as_file().set_permissions(permissions),
            None => Ok(()),
        })
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
    Ok(())
}

/// The input's permissions, or on Unix 0644 for a new file with no input (the temporary file
/// is 0600); `None` leaves the new file's own.
fn permissions_for(input: Option<&PathBuf>) -> Option<fs::Permissions> {
    if let Some(metadata) = input.and_then(|input| fs::metadata(input).ok()) {
        return Some(metadata.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(fs::Permissions::from_mode(0o644))
    }
    #[cfg(not(unix))]
    None
}

/// Whether `dest` is in the folder of `input` and named like one of its transaction logs.
fn is_beside_as_log(dest: &Path, input: &Path) -> bool {
    let (Some(dest_name), Some(input_name)) = (
        dest.file_name().and_then(|n| n.to_str()),
        input.file_name().and_then(|n| n.to_str()),
    ) else {
        return false;
    };
    is_log_name(input_name, dest_name) && same_file(&folder_of(dest), &folder_of(input))
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
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

    #[test]
    fn a_name_like_a_log_of_the_input_is_refused_in_any_case() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("SYSTEM");
        fs::write(&input, b"evidence").unwrap();
        for name in ["SYSTEM.LOG", "system.log1", "System.Log2"] {
            let dest = dir.path().join(name);
            let err = write_new_file(&dest, b"x", std::slice::from_ref(&input), true).unwrap_err();
            assert!(err.to_string().contains("transaction log"), "{err}");
            assert!(!dest.exists());
        }
        // Elsewhere, the same name is just a name.
        let other = tempfile::tempdir().unwrap();
        write_new_file(&other.path().join("SYSTEM.LOG1"), b"x", &[input], false).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn only_a_regular_file_is_replaced_and_the_input_mode_is_kept() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let err = write_new_file(dir.path(), b"x", &[], true).unwrap_err();
        assert!(err.to_string().contains("a directory"), "{err}");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let fresh = dir.path().join("fresh");
        write_new_file(&fresh, b"x", &[], false).unwrap();
        assert_eq!(mode(&fresh), 0o644);
        let input = dir.path().join("SYSTEM");
        fs::write(&input, b"evidence").unwrap();
        fs::set_permissions(&input, fs::Permissions::from_mode(0o640)).unwrap();
        let out = dir.path().join("out");
        write_new_file(&out, b"x", &[input], false).unwrap();
        assert_eq!(mode(&out), 0o640);
    }
}
