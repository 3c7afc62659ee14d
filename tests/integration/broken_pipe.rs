//! `winsock-doctor ... | head -1`: when whoever reads standard output closes it early, every
//! printing subcommand stops quietly and exits 0, as if done (ripgrep's behaviour), instead of
//! "cannot write to: Broken pipe" and exit 2 ("input unreadable" to a script).

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::cli::command_line;

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

/// Run with standard output a pipe whose reading end is closed at once: the first write fails
/// with EPIPE, whatever the size of the output. Returns the exit code and standard error.
fn run_into_closed_pipe(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

/// `sh -c 'winsock-doctor ARGS | head -1'`, the case users meet: exit code of winsock-doctor
/// and its standard error.
fn run_into_head(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(r#"{ "$0" "$@" 2>"$ERR"; echo $? >"$CODE"; } | head -1 >/dev/null"#)
        .arg(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .env("ERR", dir.path().join("err"))
        .env("CODE", dir.path().join("code"))
        .status()
        .unwrap();
    assert!(status.success());
    let read = |name| std::fs::read_to_string(dir.path().join(name)).unwrap();
    (read("code").trim().parse().ok(), read("err"))
}

/// The exit code and standard error of a run whose output is all read.
fn run_when_read(args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// A closed pipe ends the command with exit 0 and nothing on stderr. Behind `| head -1` the
/// output may all fit in the pipe before head exits: then the command ends as it would have
/// (its own exit code, its summary on stderr), never with an error.
fn assert_quiet_success(args: &[&std::ffi::OsStr]) {
    let (code, stderr) = run_into_closed_pipe(args);
    assert_eq!(code, Some(0), "{args:?} (closed pipe): stderr {stderr}");
    assert_eq!(stderr, "", "{args:?} (closed pipe): nothing on stderr");
    let behind_head = run_into_head(args);
    assert!(
        behind_head == (Some(0), String::new()) || behind_head == run_when_read(args),
        "{args:?} (| head -1): {behind_head:?}"
    );
}

fn every_printing_subcommand_stops_quietly_on_a_closed_pipe() {
    let lsp = bundled("win10-x64-lsp.hive");
    let xp = bundled("winxp-sp3-x86.hive");
    let collection = tempfile::tempdir().unwrap();
    for (host, hive) in [("a", &lsp), ("b", &xp)] {
        let folder = collection.path().join(host);
        std::fs::create_dir(&folder).unwrap();
        std::fs::copy(hive, folder.join("SYSTEM")).unwrap();
    }
    let collection = collection.path();
    let volume = tempfile::tempdir().unwrap();
    let config = volume.path().join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(&lsp, config.join("SYSTEM")).unwrap();
    let volume = volume.path();
    let on_lsp = ["catalog", "catalog --json", "scan", "scan --json"];
    let mut runs: Vec<_> = on_lsp.map(|words| command_line(words, &[&lsp])).into();
    runs.push(command_line("scan --jsonl", &[&lsp, &xp]));
    for words in ["scan --recursive --jsonl", "scan --recursive"] {
        runs.push(command_line(words, &[collection]));
    }
    for words in ["dlls", "discover", "discover --json"] {
        runs.push(command_line(words, &[volume]));
    }
    for words in ["timeline", "timeline --bodyfile"] {
        runs.push(command_line(words, &[&lsp]));
    }
    runs.extend([command_line("manpage", &[]), command_line("completions bash", &[])]);
    for args in &runs {
        assert_quiet_success(args);
    }
}

fn logs_replay_and_export_stop_quietly_on_a_closed_pipe() {
    let Some(source) = common::hive_path("real/win10-1709-x64-dirty-with-logs") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for name in ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"] {
        std::fs::copy(source.join(name), dir.path().join(name)).unwrap();
    }
    let hive = dir.path().join("SYSTEM");
    let log = dir.path().join("SYSTEM.LOG1");
    assert_quiet_success(&["logs".as_ref(), log.as_os_str()]);
    assert_quiet_success(&["logs".as_ref(), "--json".as_ref(), log.as_os_str()]);
    for (n, json) in [(1, false), (2, true), (3, false), (4, true)] {
        let out = dir.path().join(format!("recovered{n}"));
        let mut args: Vec<&std::ffi::OsStr> = vec![
            "replay".as_ref(),
            hive.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        if json {
            args.push("--json".as_ref());
        }
        let (code, stderr) = if n <= 2 {
            run_into_closed_pipe(&args)
        } else {
            run_into_head(&args)
        };
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(
            out.is_file(),
            "the recovered hive is written before the report"
        );
    }
    // export writes a .reg file and prints only its note on stderr.
    let reg = dir.path().join("winsock.reg");
    let (code, stderr) = run_into_closed_pipe(&[
        "export".as_ref(),
        hive.as_os_str(),
        "--reg".as_ref(),
        reg.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("Broken pipe") && reg.is_file(), "{stderr}");
}

common::registry::register_tests! {
    Nothing: [
        every_printing_subcommand_stops_quietly_on_a_closed_pipe,
    ],
    Hives: [
        logs_replay_and_export_stop_quietly_on_a_closed_pipe,
    ],
}
