//! Find SYSTEM hives in folder trees (KAPE collections such as `HOST/C/Windows/System32/config/
//! SYSTEM`, case folders): files named `SYSTEM` in any letter case that start with a primary hive
//! header (`regf`, file type 0). Their transaction logs are found beside them when they are
//! opened. Symlinked folders are not followed (no loops, no leaving the tree); empty files are
//! skipped (Windows 10 leaves empty ones in `RegBack`); what cannot be read is reported, and
//! the walk goes on.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::hive::base_block::{FILE_TYPE_PRIMARY, OFF_FILE_TYPE, SIGNATURE};
use crate::hive::read_file::open_regular;

/// The file name of the hives searched for.
const HIVE_NAME: &str = "SYSTEM";

/// What the search met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Hive(PathBuf),
    /// A folder that could not be listed, or a file named like a hive that is not one.
    Unreadable {
        path: PathBuf,
        error: String,
    },
}

/// Walk the tree below `root` (a folder; a file is taken as a hive) and report each hive or
/// unreadable entry to `found`, in a stable order (names sorted within each folder).
pub fn find_hives(root: &Path, found: &mut dyn FnMut(Found)) {
    if !root.is_dir() {
        found(Found::Hive(root.to_path_buf()));
        return;
    }
    // An explicit stack: deep trees cannot exhaust the call stack.
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                found(unreadable(&folder, format!("cannot list the folder: {e}")));
                continue;
            }
        };
        let mut listed = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => listed.push(entry),
                Err(e) => found(unreadable(&folder, format!("cannot list the folder: {e}"))),
            }
        }
        listed.sort_by_key(|e| e.file_name());
        let mut subfolders = Vec::new();
        for entry in listed {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => subfolders.push(path),
                Ok(t) if t.is_symlink() => {
                    // A link to a file is read like the file; a link to a folder is not followed.
                    if fs::metadata(&path).is_ok_and(|m| m.is_file()) {
                        check_candidate(&path, found);
                    }
                }
                Ok(_) => check_candidate(&path, found),
                Err(e) => found(unreadable(&path, format!("cannot read the entry: {e}"))),
            }
        }
        // Reversed onto the stack so that folders are visited in name order.
        folders.extend(subfolders.into_iter().rev());
    }
}

fn unreadable(path: &Path, error: String) -> Found {
    Found::Unreadable {
        path: path.to_path_buf(),
        error,
    }
}

fn check_candidate(path: &Path, found: &mut dyn FnMut(Found)) {
    let named_like_a_hive = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case(HIVE_NAME));
    if !named_like_a_hive {
        return;
    }
    match read_header(path) {
        Ok(header) if header.is_empty() => {}
        Ok(header) => match primary_header_fault(&header) {
            None => found(Found::Hive(path.to_path_buf())),
            Some(fault) => found(unreadable(
                path,
                format!("named like a SYSTEM hive but not one: {fault}"),
            )),
        },
        Err(e) => found(unreadable(path, e.to_string())),
    }
}

/// The first bytes of a file, up to the file type field. Only a regular file is opened: a FIFO
/// named SYSTEM would block the walk forever.
fn read_header(path: &Path) -> crate::error::Result<Vec<u8>> {
    let mut header = Vec::with_capacity(OFF_FILE_TYPE + 4);
    open_regular(path)?
        .take((OFF_FILE_TYPE + 4) as u64)
        .read_to_end(&mut header)
        .map_err(|e| crate::error::Error::io(path, "read", e))?;
    Ok(header)
}

/// Why `header` does not start a primary hive file, if it does not.
fn primary_header_fault(header: &[u8]) -> Option<String> {
    let signature = header.get(..SIGNATURE.len());
    if signature != Some(SIGNATURE.as_slice()) {
        return Some(format!(
            "at offset 0x0: expected \"regf\", found {:02x?}",
            header.get(..4).unwrap_or(header)
        ));
    }
    let file_type = header
        .get(OFF_FILE_TYPE..OFF_FILE_TYPE + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    match file_type {
        Some(FILE_TYPE_PRIMARY) => None,
        Some(other) => Some(format!(
            "at offset {OFF_FILE_TYPE:#x}: expected file type 0 (primary), found {other}"
        )),
        None => Some(format!(
            "at offset {OFF_FILE_TYPE:#x}: expected the file type, found the end of the file"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn primary() -> Vec<u8> {
        let mut bytes = vec![0u8; 64];
        bytes[..4].copy_from_slice(b"regf");
        bytes
    }

    fn collect(root: &Path) -> Vec<Found> {
        let mut out = Vec::new();
        find_hives(root, &mut |f| out.push(f));
        out
    }

    #[test]
    fn finds_system_in_any_case_and_reports_impostors() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("HOST1/C/Windows/System32/config");
        fs::create_dir_all(&config).unwrap();
        fs::write(config.join("SYSTEM"), primary()).unwrap();
        fs::write(config.join("SYSTEM.LOG1"), primary()).unwrap();
        fs::write(config.join("SOFTWARE"), primary()).unwrap();
        let regback = config.join("RegBack");
        fs::create_dir(&regback).unwrap();
        fs::write(regback.join("SYSTEM"), b"").unwrap();
        let other = dir.path().join("host2");
        fs::create_dir(&other).unwrap();
        fs::write(other.join("system"), primary()).unwrap();
        let junk = dir.path().join("host4");
        fs::create_dir(&junk).unwrap();
        fs::write(junk.join("System"), b"not a hive at all").unwrap();
        let mut log_type = primary();
        log_type[OFF_FILE_TYPE] = 1;
        let third = dir.path().join("host3");
        fs::create_dir(&third).unwrap();
        fs::write(third.join("SYSTEM"), log_type).unwrap();

        let found = collect(dir.path());
        let hives: Vec<&PathBuf> = found
            .iter()
            .filter_map(|f| match f {
                Found::Hive(p) => Some(p),
                Found::Unreadable { .. } => None,
            })
            .collect();
        assert!(hives.contains(&&config.join("SYSTEM")));
        assert!(hives.iter().any(|p| p.starts_with(&other)));
        assert!(!hives.iter().any(|p| p.starts_with(&regback)));
        let unreadable: Vec<&Found> = found
            .iter()
            .filter(|f| matches!(f, Found::Unreadable { .. }))
            .collect();
        assert!(
            unreadable.iter().any(|f| matches!(f,
                Found::Unreadable { path, error } if path.starts_with(&third) && error.contains("file type"))),
            "{found:?}"
        );
        assert!(
            unreadable.iter().any(|f| matches!(f,
                Found::Unreadable { path, error } if path.starts_with(&junk) && error.contains("regf"))),
            "{found:?}"
        );
        assert_eq!(unreadable.len(), 2, "{found:?}");
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_folders_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        fs::write(real.join("SYSTEM"), primary()).unwrap();
        std::os::unix::fs::symlink(&real, dir.path().join("loop")).unwrap();
        std::os::unix::fs::symlink(dir.path(), real.join("up")).unwrap();
        let found = collect(dir.path());
        assert_eq!(found, [Found::Hive(real.join("SYSTEM"))]);
    }
}
