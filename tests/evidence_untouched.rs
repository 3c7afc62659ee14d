//! The input is evidence: every subcommand, run on a copy of a dirty hive with its transaction
//! logs (as a file and inside a Windows volume), leaves the content and the modification time of
//! the hive and of its logs exactly as they were.

mod common;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use assert_cmd::Command;

const HIVE_DIR: &str = "real/win10-1709-x64-dirty-with-logs";
const FILES: [&str; 3] = ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"];

fn fingerprint(files: &[PathBuf]) -> Vec<(PathBuf, String, SystemTime)> {
    files
        .iter()
        .map(|f| {
            let modified = std::fs::metadata(f).unwrap().modified().unwrap();
            (f.clone(), common::sha256_of(f), modified)
        })
        .collect()
}

#[test]
fn no_subcommand_changes_the_hive_or_its_logs() {
    let Some(source) = common::hive_path(HIVE_DIR) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path().join("volume");
    let config = volume.join("Windows").join("System32").join("config");
    std::fs::create_dir_all(&config).unwrap();
    let mut copies = Vec::new();
    for name in FILES {
        let copy = config.join(name);
        std::fs::copy(source.join(name), &copy).unwrap();
        // Writable, so that a write would succeed and show, not fail unseen.
        let mut permissions = std::fs::metadata(&copy).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&copy, permissions).unwrap();
        copies.push(copy);
    }
    let hive = &copies[0];
    let before = fingerprint(&copies);
    let log: &Path = &copies[1];
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec!["catalog".as_ref(), hive.as_os_str()],
        vec!["catalog".as_ref(), "--json".as_ref(), hive.as_os_str()],
        vec![
            "catalog".as_ref(),
            "--all-control-sets".as_ref(),
            hive.as_os_str(),
        ],
        vec!["catalog".as_ref(), "--no-logs".as_ref(), hive.as_os_str()],
        vec![
            "catalog".as_ref(),
            "--log".as_ref(),
            log.as_os_str(),
            hive.as_os_str(),
        ],
        vec!["catalog".as_ref(), volume.as_os_str()],
        vec!["discover".as_ref(), volume.as_os_str()],
        vec!["discover".as_ref(), "--json".as_ref(), volume.as_os_str()],
        vec!["dlls".as_ref(), volume.as_os_str()],
        vec!["dlls".as_ref(), "--json".as_ref(), volume.as_os_str()],
    ];
    for args in runs {
        let output = Command::cargo_bin("winsock-doctor")
            .unwrap()
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            fingerprint(&copies),
            before,
            "{args:?} changed the evidence"
        );
    }
    // Nothing was written beside the evidence either.
    let mut names: Vec<String> = std::fs::read_dir(&config)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, FILES);
}
