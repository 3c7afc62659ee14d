//! Damaged, synthetic and non-hive files: `catalog` answers or fails cleanly (exit 2, a message
//! naming the file), never panics, and leaves the file as it was.

use crate::common;

use std::path::Path;

use common::cli::{array, doctor, json, text};

fn check(path: &Path, json: bool) {
    let before = common::sha256_of(path);
    let mut cmd = doctor();
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

fn the_damaged_hive_and_the_logs_give_a_result_or_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    let damaged = common::system_hives(&manifest, false);
    assert!(!damaged.is_empty(), "the manifest lists no damaged hive");
    for hive in damaged {
        check(&dir.join(hive["path"].as_str().unwrap()), true);
        check(&dir.join(hive["path"].as_str().unwrap()), false);
    }
    for log in array(&manifest, "transaction_logs") {
        check(&dir.join(log["path"].as_str().unwrap()), true);
    }
}

fn a_missing_file_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("SYSTEM");
    doctor()
        .arg("catalog")
        .arg(&missing)
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with("winsock-doctor: "))
        .stderr(predicates::str::contains("cannot open"));
}

/// A copy of a real hive with `patch` applied, in a temporary folder.
fn patched_copy(
    dir: &tempfile::TempDir,
    source: &Path,
    patch: impl FnOnce(&mut Vec<u8>),
) -> std::path::PathBuf {
    let mut bytes = std::fs::read(source).unwrap();
    patch(&mut bytes);
    let path = dir.path().join("SYSTEM");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn first_readable_hive(dir: &Path) -> std::path::PathBuf {
    let manifest = common::manifest(dir);
    let hive = common::system_hives(&manifest, true)
        .into_iter()
        .find(|h| h["n_catalog_entries64"].is_null())
        .expect("a readable 32-bit hive");
    dir.join(hive["path"].as_str().unwrap())
}

fn le_u32(bytes: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(bytes[off..off + 4].try_into().unwrap())
}

fn a_cell_offset_of_all_ones_in_the_root_subkey_list_is_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let source = first_readable_hive(&dir);
    let tmp = tempfile::tempdir().unwrap();
    let path = patched_copy(&tmp, &source, |b| {
        // Root key node -> its subkey list -> first element's key offset.
        let root_nk = 4096 + le_u32(b, 36) as usize + 4;
        assert_eq!(&b[root_nk..root_nk + 2], b"nk");
        let list = 4096 + le_u32(b, root_nk + 0x1C) as usize + 4;
        b[list + 4..list + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    });
    check(&path, true);
    check(&path, false);
}

fn one_unreadable_catalog_entry_does_not_lose_the_others() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let source = first_readable_hive(&dir);
    let doc = |path: &Path| json(doctor().args(["catalog", "--json"]).arg(path));
    let original = doc(&source);
    let entries = original["protocol_catalogs"][0]["entries"]
        .as_array()
        .unwrap()
        .len();

    let tmp = tempfile::tempdir().unwrap();
    let path = patched_copy(&tmp, &source, |b| {
        // The vk cell of the first PackedCatalogItem: "vk", name length 17, 888 bytes of data
        // in a cell. Point its data at offset 0xFFFFFFFF.
        let name = b"PackedCatalogItem";
        let vk = (0..b.len() - 40)
            .find(|&i| {
                &b[i..i + 2] == b"vk"
                    && le_u32(b, i + 4) == 888
                    && &b[i + 20..i + 20 + name.len()] == name
            })
            .expect("a PackedCatalogItem value");
        b[vk + 8..vk + 12].copy_from_slice(&u32::MAX.to_le_bytes());
    });
    let damaged = doc(&path);
    let list = damaged["protocol_catalogs"][0]["entries"]
        .as_array()
        .unwrap();
    assert_eq!(list.len(), entries);
    let bad: Vec<_> = list.iter().filter(|e| !e["error"].is_null()).collect();
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(text(&bad[0]["error"]).contains("damaged hive structure"));
    assert!(
        list.iter()
            .filter(|e| e["error"].is_null())
            .all(|e| e["catalog_entry_id"].is_number())
    );
}

common::registry::register_tests! {
    Nothing: [
        a_missing_file_is_a_clean_error,
    ],
    Hives: [
        every_zoo_file_gives_a_result_or_a_clean_error,
        the_damaged_hive_and_the_logs_give_a_result_or_a_clean_error,
        a_cell_offset_of_all_ones_in_the_root_subkey_list_is_a_clean_error,
        one_unreadable_catalog_entry_does_not_lose_the_others,
    ],
}
