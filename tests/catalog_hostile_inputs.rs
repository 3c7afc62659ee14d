//! Damaged, synthetic and non-hive files: `catalog` answers or fails cleanly (exit 2, a message
//! naming the file), never panics, and leaves the file as it was.

mod common;

use std::path::Path;

use assert_cmd::Command;

fn check(path: &Path, json: bool) {
    let before = common::sha256_of(path);
    let mut cmd = Command::cargo_bin("winsock-doctor").unwrap();
    cmd.arg("catalog");
    if json {
        cmd.arg("--json");
    }
    let output = cmd.arg(path).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = path.display();
    assert!(!stderr.contains("panicked"), "{shown}: {stderr}");
    match output.status.code() {
        Some(0) => {
            if json {
                let doc: serde_json::Value =
                    serde_json::from_slice(&output.stdout).expect("stdout is JSON");
                assert!(doc["control_set"].is_string(), "{shown}");
            }
        }
        Some(2) => {
            assert!(
                stderr.starts_with("winsock-doctor: ") && stderr.contains(&*path.to_string_lossy()),
                "{shown}: the error must name the file: {stderr}"
            );
            assert_eq!(
                stderr.lines().count(),
                1,
                "{shown}: one line, no backtrace: {stderr}"
            );
        }
        other => panic!("{shown}: exit code {other:?}, stderr: {stderr}"),
    }
    assert_eq!(common::sha256_of(path), before, "{shown} changed");
}

#[test]
fn every_zoo_file_gives_a_result_or_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let files = common::files_below(&dir.join("zoo"));
    assert!(files.len() > 50, "only {} zoo files", files.len());
    for file in files {
        check(&file, true);
        check(&file, false);
    }
}

#[test]
fn the_damaged_hive_and_the_logs_give_a_result_or_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    let mut checked = 0;
    for hive in manifest["system_hives"].as_array().unwrap() {
        if hive["winsock2_present"] == false {
            check(&dir.join(hive["path"].as_str().unwrap()), true);
            check(&dir.join(hive["path"].as_str().unwrap()), false);
            checked += 1;
        }
    }
    assert!(checked > 0, "the manifest lists no damaged hive");
    for log in manifest["transaction_logs"].as_array().unwrap() {
        check(&dir.join(log["path"].as_str().unwrap()), true);
    }
}

#[test]
fn a_missing_file_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("SYSTEM");
    Command::cargo_bin("winsock-doctor")
        .unwrap()
        .arg("catalog")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with("winsock-doctor: "))
        .stderr(predicates::str::contains("cannot open"));
}
