//! Odd paths. A hive at a path that is not UTF-8 (Unix file names are bytes): JSON output stays
//! valid and carries the path, as lossy text plus `path_bytes_hex` with the exact bytes;
//! `repair --json` exits 0 when it wrote. A relative path within the OS limit whose absolute form
//! is past it: read as given. The inputs are left as they were.

use crate::common;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

fn run(dir: &Path, args: &[&OsStr]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).expect("standard output is UTF-8"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn scan_batch_and_repair_json_carry_a_non_utf8_path() {
    let dir = tempfile::tempdir().unwrap();
    let name = OsStr::from_bytes(b"inv\xffalid.hive");
    std::fs::copy(bundled("win10-x64-lsp.hive"), dir.path().join(name)).unwrap();
    let before = common::sha256_of(&dir.path().join(name));

    // A relative path: it is kept as given.
    let (code, stdout, stderr) = run(dir.path(), &["scan".as_ref(), "--json".as_ref(), name]);
    assert!(matches!(code, Some(0 | 1)), "{stderr}");
    let document = json(&stdout);
    assert_eq!(document["input"]["path"], "inv\u{fffd}alid.hive");
    assert_eq!(
        document["input"]["path_bytes_hex"],
        hex(b"inv\xffalid.hive")
    );

    let collection = dir.path().join(OsStr::from_bytes(b"host\xfe"));
    std::fs::create_dir(&collection).unwrap();
    std::fs::copy(bundled("win10-x64.hive"), collection.join("SYSTEM")).unwrap();
    let junk = dir.path().join(OsStr::from_bytes(b"junk\xfd"));
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("SYSTEM"), b"not a hive").unwrap();
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "scan".as_ref(),
            "--recursive".as_ref(),
            "--jsonl".as_ref(),
            ".".as_ref(),
        ],
    );
    assert_eq!(code, Some(2), "one record is an error: {stderr}");
    let records: Vec<serde_json::Value> = stdout.lines().map(json).collect();
    assert_eq!(records.len(), 2, "{stdout}");
    let bytes_of = |r: &serde_json::Value| r["path_bytes_hex"].as_str().unwrap().to_string();
    assert!(
        records
            .iter()
            .any(|r| bytes_of(r) == hex(b"./host\xfe/SYSTEM") && r["input"]["sha256"].is_string())
    );
    assert!(
        records
            .iter()
            .any(|r| bytes_of(r) == hex(b"./junk\xfd/SYSTEM") && r["exit"] == 2)
    );

    let out = OsStr::from_bytes(b"repaired\xfe");
    let (code, stdout, stderr) = run(
        dir.path(),
        &[
            "repair".as_ref(),
            name,
            "--mode".as_ref(),
            "reset".as_ref(),
            "--out".as_ref(),
            out,
            "--json".as_ref(),
        ],
    );
    assert_eq!(code, Some(0), "repair wrote, so it exits 0: {stderr}");
    let document = json(&stdout);
    assert_eq!(document["status"], "repaired");
    assert_eq!(document["output"]["path_bytes_hex"], hex(b"repaired\xfe"));
    // The peers open files by UTF-8 names: check a copy.
    let checked = dir.path().join("repaired-copy");
    std::fs::copy(dir.path().join(out), &checked).unwrap();
    common::repair::assert_written_hive_ok(
        &bundled("win10-x64-lsp.hive"),
        &checked,
        &common::repair::WINSOCK_KEYS,
    );
    assert_eq!(common::sha256_of(&dir.path().join(name)), before);
}

/// 16 folders of 254 characters, then SYSTEM: 4,087 bytes relative, past PATH_MAX (4,096) once
/// the temporary folder is put in front.
fn a_long_relative_path_is_not_made_absolute() {
    let dir = tempfile::tempdir().unwrap();
    let folder = vec!["f".repeat(254); 16].join("/");
    let hive = format!("{folder}/SYSTEM");
    assert!(hive.len() < 4095 && dir.path().join(&hive).as_os_str().len() > 4096);
    // mkdir -p and cp walk a long relative path piece by piece.
    let made = Command::new("sh")
        .arg("-c")
        .arg(r#"cd "$1" && mkdir -p "$2" && cp "$3" "$2/SYSTEM""#)
        .arg("sh")
        .arg(dir.path())
        .arg(&folder)
        .arg(bundled("win10-x64-lsp.hive"))
        .status()
        .unwrap();
    assert!(made.success());
    let (code, stdout, stderr) = run(
        dir.path(),
        &["scan".as_ref(), "--json".as_ref(), hive.as_ref()],
    );
    assert_eq!(code, Some(1), "the LSP is found: {stderr}");
    assert_eq!(json(&stdout)["input"]["path"], hive);
    let (code, _, stderr) = run(dir.path(), &["catalog".as_ref(), hive.as_ref()]);
    assert_eq!(code, Some(0), "{stderr}");
}

common::registry::register_tests! {
    Nothing: [
        scan_batch_and_repair_json_carry_a_non_utf8_path,
        a_long_relative_path_is_not_made_absolute,
    ],
}
