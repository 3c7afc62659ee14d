//! The input is evidence: every subcommand, run on a copy of a dirty hive with its transaction
//! logs (as a file and inside a Windows volume), leaves the content and the modification time of
//! the hive and of its logs exactly as they were.

use crate::common;

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::cli::{command_line, doctor, success};


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
    let on_hive = [
        "catalog",
        "catalog --json",
        "catalog --all-control-sets",
        "catalog --no-logs",
    ];
    let on_volume = ["catalog", "discover", "discover --json", "dlls", "dlls --json"];
    let mut runs: Vec<_> = on_hive.map(|words| command_line(words, &[hive])).into();
    runs.push(command_line("catalog --log", &[log, hive]));
    runs.extend(on_volume.map(|words| command_line(words, &[&volume])));
    for args in runs {
        success(doctor().args(&args));
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

/// The field cases of issue 20, on a copy of the dirty hive and its logs: outputs refused
/// (named like a log, over a device or a FIFO with `--force`), special files given as logs,
/// output into a closed pipe, a link out of the volume. The hive and its logs keep their
/// content and modification time, and nothing new appears beside them.
#[cfg(unix)]
fn refused_and_interrupted_runs_leave_the_evidence_alone() {
    let Some(source) = common::hive_path(HIVE_DIR) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    for name in FILES {
        let copy = dir.path().join(name);
        std::fs::copy(source.join(name), &copy).unwrap();
        copies.push(copy);
    }
    let hive = copies[0].as_os_str();
    let before = fingerprint(&copies);
    let fifo = tempfile::tempdir().unwrap();
    let fifo = fifo.path().join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let log_named = dir.path().join("system.log");
    let mut runs: Vec<Vec<&std::ffi::OsStr>> = Vec::new();
    // replay always writes the recovered hive of this dirty one: each output is refused.
    for out in [
        log_named.as_os_str(),
        "/dev/null".as_ref(),
        fifo.as_os_str(),
        copies[1].as_os_str(),
    ] {
        runs.push(vec![
            "replay".as_ref(),
            hive,
            "--out".as_ref(),
            out,
            "--force".as_ref(),
        ]);
    }
    runs.push(vec![
        "catalog".as_ref(),
        "--log".as_ref(),
        fifo.as_os_str(),
        hive,
    ]);
    runs.push(vec![
        "scan".as_ref(),
        "--software".as_ref(),
        "/dev/null".as_ref(),
        hive,
    ]);
    for args in runs {
        let output = doctor()
            .args(&args)
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?} is refused");
        assert_eq!(
            fingerprint(&copies),
            before,
            "{args:?} changed the evidence"
        );
    }
    // Output into a closed pipe.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(["catalog".as_ref(), "--json".as_ref(), hive])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(fingerprint(&copies), before);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, FILES, "nothing was written beside the evidence");
}

common::registry::register_tests! {
    Hives: [
        no_subcommand_changes_the_hive_or_its_logs,
        #[cfg(unix)] refused_and_interrupted_runs_leave_the_evidence_alone,
    ],
}
