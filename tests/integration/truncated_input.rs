//! A hive truncated while it is being read (a failing disk, a collection tool still writing):
//! never a signal death (a mapped input died with SIGBUS), but the command's own result or
//! exit 2 with the file named; in a batch, the other hives' records are all there. The
//! deterministic case (a reader that shrinks after its first chunk) is a unit test of
//! `hive::read_file`; this is the real race, 50 tries.

use crate::common;

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIG_HIVE: &str = "real/win7-sp1-x86/SYSTEM";

fn truncate_after(path: &Path, delay: Duration) {
    std::thread::sleep(delay);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(4096)
        .unwrap();
}

/// Copy `source` to `hive`, start `winsock-doctor ARGS TARGET`, truncate `hive` after `delay`
/// while it is read, and return what the program gave.
fn run_while_truncated(
    (source, hive): (&Path, &Path),
    args: &[&str],
    target: &Path,
    delay: Duration,
) -> Output {
    std::fs::copy(source, hive).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .arg(target)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    truncate_after(hive, delay);
    child.wait_with_output().unwrap()
}

/// Delays spread over the time a read of the hive takes.
fn delay(attempt: u32) -> Duration {
    Duration::from_micros(u64::from(attempt % 10) * 800)
}

fn a_hive_truncated_while_read_is_an_error_naming_it_never_a_crash() {
    let Some(source) = common::hive_path(BIG_HIVE) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SYSTEM");
    let mut errors = 0;
    for attempt in 0..50 {
        let catalog = ["catalog", "--all-control-sets", "--json"];
        let output = run_while_truncated((&source, &hive), &catalog, &hive, delay(attempt));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.signal(),
            None,
            "try {attempt}: killed by a signal: {stderr}"
        );
        match output.status.code() {
            Some(0) => {}
            Some(2) => {
                errors += 1;
                assert!(
                    stderr.contains(&*hive.to_string_lossy()),
                    "try {attempt}: {stderr}"
                );
            }
            other => panic!("try {attempt}: exit {other:?}: {stderr}"),
        }
    }
    eprintln!("{errors} of 50 tries met the truncation");
}

fn a_batch_goes_on_past_a_hive_truncated_while_read() {
    let Some(source) = common::hive_path(BIG_HIVE) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("hives");
    let mut others: Vec<PathBuf> = Vec::new();
    for (host, hive) in [
        ("a", "win10-x64.hive"),
        ("c", "winxp-sp3-x86.hive"),
        ("d", "win10-x64-lsp.hive"),
    ] {
        std::fs::create_dir(dir.path().join(host)).unwrap();
        let path = dir.path().join(host).join("SYSTEM");
        std::fs::copy(bundled.join(hive), &path).unwrap();
        others.push(path);
    }
    std::fs::create_dir(dir.path().join("b")).unwrap();
    let big = dir.path().join("b/SYSTEM");
    for attempt in 0..10 {
        let batch = ["scan", "--recursive", "--jsonl", "--threads", "1"];
        let output = run_while_truncated((&source, &big), &batch, dir.path(), delay(attempt * 3));
        assert_eq!(
            output.status.signal(),
            None,
            "try {attempt}: killed by a signal"
        );
        let records: Vec<serde_json::Value> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(
            records.len(),
            4,
            "try {attempt}: one record per hive: {records:?}"
        );
        for other in &others {
            let record = records
                .iter()
                .find(|r| r["path"] == *other.to_string_lossy())
                .unwrap_or_else(|| panic!("try {attempt}: no record for {}", other.display()));
            assert!(
                record["input"]["sha256"].is_string(),
                "try {attempt}: {record}"
            );
        }
        let big_record = records
            .iter()
            .find(|r| r["path"] == *big.to_string_lossy())
            .unwrap();
        if let Some(error) = big_record["error"].as_str() {
            assert!(error.contains(&*big.to_string_lossy()), "{error}");
        }
    }
}

common::registry::register_tests! {
    Hives: [
        a_hive_truncated_while_read_is_an_error_naming_it_never_a_crash,
        a_batch_goes_on_past_a_hive_truncated_while_read,
    ],
}
