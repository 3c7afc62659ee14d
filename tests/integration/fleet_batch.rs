//! `scan --recursive --jsonl` over a collection: a folder tree holding copies of every real hive
//! (with its logs) in KAPE layout, zoo hives that cannot be read, and files that are not hives.
//! One record per hive, the verdicts the manifest implies, and the documented exit codes.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::cli::doctor;
use serde_json::Value;

const ZOO: [&str; 3] = ["GarbageHive", "TruncatedHive", "BadListHive"];

struct Collection {
    _dir: tempfile::TempDir,
    root: PathBuf,
    /// Copied hive path -> its manifest entry.
    real: BTreeMap<PathBuf, Value>,
    zoo: Vec<PathBuf>,
}

/// `HOST/C/Windows/System32/config/SYSTEM` for each hive of the manifest, logs beside it.
fn collection(hives: &Path) -> Collection {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("kape");
    let manifest = common::manifest(hives);
    let mut real = BTreeMap::new();
    for (i, hive) in manifest["system_hives"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let source = hives.join(hive["path"].as_str().unwrap());
        let config = root.join(format!("host{i}/C/Windows/System32/config"));
        fs::create_dir_all(&config).unwrap();
        let copy = config.join("SYSTEM");
        fs::copy(&source, &copy).unwrap();
        for log in ["LOG1", "LOG2"] {
            let log_source = source.with_extension(log);
            if log_source.is_file() {
                fs::copy(&log_source, config.join(format!("SYSTEM.{log}"))).unwrap();
            }
        }
        // Windows 10 leaves empty copies in RegBack: not hives, not errors.
        fs::create_dir(config.join("RegBack")).unwrap();
        fs::write(config.join("RegBack/SYSTEM"), b"").unwrap();
        fs::write(config.join("notes.txt"), b"collected by KAPE").unwrap();
        real.insert(copy, hive.clone());
    }
    let mut zoo = Vec::new();
    for name in ZOO {
        let folder = root.join("zoo").join(name);
        fs::create_dir_all(&folder).unwrap();
        let copy = folder.join("system");
        fs::copy(hives.join("zoo").join(name), &copy).unwrap();
        zoo.push(copy);
    }
    Collection {
        _dir: dir,
        root,
        real,
        zoo,
    }
}

/// `ROOT/hostN` of a hive at `ROOT/hostN/C/Windows/System32/config/SYSTEM`.
fn host_folder(root: &Path, hive: &Path) -> PathBuf {
    let relative = hive.strip_prefix(root).unwrap();
    root.join(relative.components().next().unwrap())
}

/// Dirty, and the collection has no logs for it: read as it is, so not known healthy.
fn without_its_logs(hive: &Value) -> bool {
    hive["baseblock"]["dirty"] == true && hive["logs_present"].as_array().unwrap().is_empty()
}

fn records(stdout: &[u8]) -> BTreeMap<PathBuf, Value> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let record: Value = serde_json::from_str(line).expect("each line is one JSON object");
        let path = PathBuf::from(record["path"].as_str().expect("every record has a path"));
        assert!(out.insert(path, record).is_none(), "one record per hive");
    }
    out
}

fn a_collection_gives_one_record_per_hive_with_the_right_verdicts() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let c = collection(&hives);
    let output = doctor()
        .args(["scan", "--recursive", "--jsonl", "--threads", "2"])
        .arg(&c.root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "a zoo hive is unreadable");
    let records = records(&output.stdout);
    assert_eq!(
        records.len(),
        c.real.len() + c.zoo.len(),
        "{:?}",
        records.keys()
    );

    for (path, hive) in &c.real {
        let record = &records[path];
        let rel = hive["path"].as_str().unwrap();
        assert_eq!(record["host"], hive["computer_name"], "{rel}");
        assert_eq!(record["format_version"], 1, "{rel}: a scan --json document");
        // The manifest's clean hives are healthy; the damaged one (WinSock2 unreachable) is not.
        assert_eq!(record["healthy"], hive["winsock2_present"], "{rel}");
        if !hive["logs_present"].as_array().unwrap().is_empty() {
            assert_eq!(
                record["logs"]["files"].as_array().unwrap().len(),
                2,
                "{rel}: its logs were found beside the copy"
            );
        }
    }
    for path in &c.zoo {
        let record = &records[path];
        assert_eq!(record["exit"], 2, "{}", path.display());
        assert!(!record["error"].as_str().unwrap().is_empty());
        assert_eq!(
            record.as_object().unwrap().len(),
            5,
            "tool, created, path, error, exit"
        );
        assert_eq!(record["tool"]["name"], "winsock-doctor");
    }

    let summary = String::from_utf8(output.stderr).unwrap();
    let incomplete = c.real.values().filter(|h| without_its_logs(h)).count();
    assert!(
        incomplete > 0,
        "the collection has dirty hives without logs"
    );
    let healthy = c
        .real
        .values()
        .filter(|h| h["winsock2_present"] == true)
        .count()
        - incomplete;
    let row = format!(
        "| {:<5} | {:<7} | {:<13} | {:<19} | {:<10} |",
        records.len(),
        healthy,
        c.real.len() - healthy - incomplete,
        incomplete,
        c.zoo.len()
    );
    assert!(summary.contains(&row), "{row}\n{summary}");
    assert!(summary.contains("key_unreadable"), "{summary}");
}

fn exit_code_1_for_findings_and_0_for_healthy_batches() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let c = collection(&hives);
    // Each TARGET is a host folder of the collection (several folder trees in one batch).
    let run = |hives: Vec<&PathBuf>| {
        doctor()
            .args(["scan", "--recursive"])
            .args(hives.iter().map(|h| host_folder(&c.root, h)))
            .output()
            .unwrap()
    };
    let damaged: Vec<&PathBuf> = c
        .real
        .iter()
        .filter(|(_, h)| h["winsock2_present"] == false)
        .map(|(p, _)| p)
        .collect();
    let healthy: Vec<&PathBuf> = c
        .real
        .iter()
        .filter(|(_, h)| h["winsock2_present"] == true && !without_its_logs(h))
        .map(|(p, _)| p)
        .take(2)
        .collect();
    assert!(!damaged.is_empty() && healthy.len() == 2);

    let clean = run(healthy.clone());
    let text = String::from_utf8(clean.stdout).unwrap();
    assert_eq!(clean.status.code(), Some(0), "{text}");
    assert_eq!(text.matches("HEALTHY").count(), 2, "{text}");
    assert!(
        text.contains("unreadable"),
        "the summary table ends stdout: {text}"
    );

    let mixed = run([healthy, damaged].concat());
    assert_eq!(mixed.status.code(), Some(1));
}

/// A dirty hive whose logs are not beside it is not shown HEALTHY: its latest changes may be
/// missing. A batch over a folder without hives says so and exits 2.
fn dirty_hives_without_logs_are_not_healthy_and_an_empty_batch_is_an_error() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let c = collection(&hives);
    let output = doctor()
        .args(["scan", "--recursive", "--threads", "2"])
        .arg(&c.root)
        .output()
        .unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    for (path, hive) in &c.real {
        let line = text
            .lines()
            .find(|l| l.contains(path.to_str().unwrap()))
            .unwrap_or_else(|| panic!("no line for {}: {text}", path.display()));
        if without_its_logs(hive) {
            assert!(line.starts_with("NOT SURE"), "{line}");
            assert!(line.contains("transaction logs are missing"), "{line}");
        }
    }
    assert!(text.contains("dirty, logs missing"), "{text}");

    let empty = tempfile::tempdir().unwrap();
    let output = doctor()
        .args(["scan", "--recursive"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no SYSTEM hive found under"), "{stderr}");
}

/// A SOFTWARE hive beside SYSTEM that cannot be read costs only the exact version: single and
/// batch scans say so once on standard error (a batch through its progress-aware writer, with
/// the hive's path), and the record is still written.
fn an_unreadable_software_hive_beside_system_is_a_note() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("host/C/Windows/System32/config");
    fs::create_dir_all(&config).unwrap();
    fs::copy(
        hives.join("real/win7-sp1-x86/SYSTEM"),
        config.join("SYSTEM"),
    )
    .unwrap();
    fs::write(config.join("SOFTWARE"), b"not a hive").unwrap();

    let single = doctor()
        .args(["scan", "--json"])
        .arg(dir.path().join("host/C"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&single.stderr);
    assert_eq!(
        stderr.matches("the Windows version is inferred").count(),
        1,
        "{stderr}"
    );
    assert!(serde_json::from_slice::<Value>(&single.stdout).is_ok());

    let batch = doctor()
        .args(["scan", "--recursive", "--jsonl"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&batch.stderr);
    let note = stderr
        .lines()
        .find(|l| l.contains("the Windows version is inferred"))
        .unwrap_or_else(|| panic!("no note: {stderr}"));
    assert!(
        note.contains(&config.join("SYSTEM").display().to_string()),
        "{note}"
    );
    assert_eq!(String::from_utf8_lossy(&batch.stdout).lines().count(), 1);
}

common::registry::register_tests! {
    Hives: [
        a_collection_gives_one_record_per_hive_with_the_right_verdicts,
        exit_code_1_for_findings_and_0_for_healthy_batches,
        dirty_hives_without_logs_are_not_healthy_and_an_empty_batch_is_an_error,
        an_unreadable_software_hive_beside_system_is_a_note,
    ],
}
