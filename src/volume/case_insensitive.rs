//! Finding a directory entry by name in any letter case. Windows names are case-insensitive,
//! but a Windows volume mounted on Linux (ntfs-3g, an image mount) or a copied tree is not:
//! `WINDOWS/system32/Config/system` must still be found as `Windows\System32\config\SYSTEM`.

use std::io;
use std::path::{Path, PathBuf};

/// The entry of `dir` named `name` in any case: the exact spelling if it exists (a
/// case-sensitive file system may hold several), else the first case-insensitive match in
/// byte order of the names, so the answer does not depend on the listing order.
pub fn find_child(dir: &Path, name: &str) -> io::Result<Option<PathBuf>> {
    let wanted = name.to_uppercase();
    let mut best: Option<String> = None;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let Ok(entry_name) = entry.file_name().into_string() else {
            continue;
        };
        if entry_name == name {
            return Ok(Some(entry.path()));
        }
        if names_equal(&entry_name, &wanted) && best.as_ref().is_none_or(|b| entry_name < *b) {
            best = Some(entry_name);
        }
    }
    Ok(best.map(|b| dir.join(b)))
}

/// Walk `names` down from `dir`, each found by [`find_child`]; `None` when one is missing or a
/// folder cannot be listed (the caller only asks "is it there?").
pub fn find_path(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    let mut current = dir.to_path_buf();
    for name in names {
        current = find_child(&current, name).ok()??;
    }
    Some(current)
}

/// Windows compares names by upper-casing each character; `to_uppercase` is close enough.
/// `upper` is already upper case.
pub fn names_equal(name: &str, upper: &str) -> bool {
    name.to_uppercase() == upper
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_spelling_wins_then_smallest_case_insensitive_match() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("system"), b"").unwrap();
        std::fs::write(dir.path().join("SyStem"), b"").unwrap();
        let found = |n| {
            find_child(dir.path(), n)
                .unwrap()
                .map(|p| p.file_name().unwrap().to_owned())
        };
        assert_eq!(found("system"), Some("system".into()));
        assert_eq!(found("SyStem"), Some("SyStem".into()));
        // Neither is spelled SYSTEM: "SyStem" < "system" in byte order.
        assert_eq!(found("SYSTEM"), Some("SyStem".into()));
        assert_eq!(found("SOFTWARE"), None);
    }

    #[test]
    fn path_walk_ignores_case_in_every_component() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("WINDOWS").join("system32").join("Config");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("system"), b"").unwrap();
        assert_eq!(
            find_path(dir.path(), &["Windows", "System32", "config", "SYSTEM"]),
            Some(config.join("system"))
        );
        assert_eq!(find_path(dir.path(), &["Windows", "SysWOW64"]), None);
    }
}
