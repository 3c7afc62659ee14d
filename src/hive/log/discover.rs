//! Finding a hive's transaction logs beside it: `NAME.LOG`, `NAME.LOG1`, `NAME.LOG2`, in any
//! letter case (Windows file names are case-insensitive, and copies made elsewhere keep
//! whatever case the copier used).

use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::read_file::ReadFile;

const LOG_SUFFIXES: [&str; 3] = [".LOG", ".LOG1", ".LOG2"];

/// The logs of the hive at `hive_path`, sorted by name (case-insensitively, then exactly, so
/// the order does not depend on the file system). Only regular files are returned.
pub fn discover_logs(hive_path: &Path) -> io::Result<Vec<PathBuf>> {
    let Some(hive_name) = hive_path.file_name().and_then(|n| n.to_str()) else {
        return Ok(Vec::new());
    };
    let folder = match hive_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_log_name(hive_name, name) && entry.path().is_file() {
            found.push(entry.path());
        }
    }
    found.sort_by_cached_key(|p| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        (name.as_ref().map(|n| n.to_ascii_lowercase()), name)
    });
    Ok(found)
}

/// Read the logs of the hive at `hive_path`, in [`discover_logs`] order; turn each into a
/// [`crate::hive::log::LogFile`] with `LogFile::from(&read)` to replay them.
pub fn open_logs(hive_path: &Path) -> Result<Vec<ReadFile>> {
    discover_logs(hive_path)
        .map_err(|e| Error::io(hive_path, "list the transaction logs beside", e))?
        .iter()
        .map(|path| ReadFile::open(path))
        .collect()
}

/// Windows compares names by upper-casing each character; `to_uppercase` is close enough for
/// non-ASCII hive names too.
pub fn is_log_name(hive_name: &str, candidate: &str) -> bool {
    LOG_SUFFIXES.iter().any(|suffix| {
        let Some(stem_len) = candidate.len().checked_sub(suffix.len()) else {
            return false;
        };
        candidate.is_char_boundary(stem_len)
            && candidate[stem_len..].eq_ignore_ascii_case(suffix)
            && candidate[..stem_len].to_uppercase() == hive_name.to_uppercase()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_in_any_case_and_only_the_three_suffixes() {
        assert!(is_log_name("SYSTEM", "SYSTEM.LOG1"));
        assert!(is_log_name("AA", "aa.log1"));
        assert!(is_log_name("aa", "AA.Log"));
        assert!(!is_log_name("aa", "aa.LOG3"));
        assert!(!is_log_name("aa", "aab.LOG1"));
        assert!(!is_log_name("aa", "aa"));
        assert!(!is_log_name("aa", "aa.LOG1.bak"));
        assert!(is_log_name("Système", "SYSTÈME.log2"));
    }
}
