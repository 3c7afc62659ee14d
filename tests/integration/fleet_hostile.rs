//! timeline, export and batch scan on every damaged or synthetic hive of the zoo: a result or a
//! clean error (exit 0, 1 or 2 with a message), never a panic.

use crate::common;

use std::process::Command;

fn assert_clean(args: &[&std::ffi::OsStr], what: &str) -> std::process::Output {
    let out = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "{what}: {:?}\n{stderr}",
        out.status
    );
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    out
}

fn zoo_hives_give_results_or_clean_errors() {
    let Some(zoo) = common::hive_path("zoo") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (i, file) in common::files_below(&zoo).iter().enumerate() {
        let what = file.display().to_string();
        let reg = dir.path().join(format!("{i}.reg"));
        let out = assert_clean(&["timeline".as_ref(), file.as_os_str()], &what);
        if out.status.code() == Some(2) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("winsock-doctor:"),
                "{what}: an error message"
            );
        }
        assert_clean(
            &["timeline".as_ref(), "--bodyfile".as_ref(), file.as_os_str()],
            &what,
        );
        assert_clean(
            &[
                "export".as_ref(),
                file.as_os_str(),
                "--reg".as_ref(),
                reg.as_os_str(),
            ],
            &what,
        );
        checked += 1;
    }
    assert!(checked > 40, "{checked}");
    // The whole zoo in one batch: every file is read as a hive (no --recursive name filter).
    let files = common::files_below(&zoo);
    let mut args: Vec<&std::ffi::OsStr> = vec!["scan".as_ref(), "--jsonl".as_ref()];
    args.extend(files.iter().map(|f| f.as_os_str()));
    let out = assert_clean(&args, "batch of the zoo");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), files.len(), "one record per file");
    for line in stdout.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            record["healthy"].is_boolean() || record["exit"] == 2,
            "{line}"
        );
    }
}

common::registry::register_tests! {
    Hives: [
        zoo_hives_give_results_or_clean_errors,
    ],
}
