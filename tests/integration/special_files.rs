//! FIFOs, sockets, folders and character devices are never hives, logs, SOFTWARE hives or
//! outputs: refused at once with a clear message (a FIFO is never waited on), in a batch
//! recorded as unreadable while the batch goes on, and never replaced, even with `--force`.
//! The input hive is left as it was.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

fn bundled_lsp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hives/win10-x64-lsp.hive")
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
}

/// Run the binary, killing it if it has not finished within a second.
fn run_within_a_second(args: &[&std::ffi::OsStr]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(1) {
            child.kill().unwrap();
            panic!("{args:?} still running after a second");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    child.wait_with_output().unwrap()
}

/// The special files of `dir`: a FIFO, a socket, a folder, and a character device.
fn specials(
    dir: &Path,
) -> (
    Vec<(&'static str, PathBuf)>,
    std::os::unix::net::UnixListener,
) {
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let socket = dir.join("socket");
    let listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let folder = dir.join("folder");
    std::fs::create_dir(&folder).unwrap();
    let list = vec![
        ("FIFO", fifo),
        ("socket", socket),
        ("directory", folder),
        ("character device", PathBuf::from("/dev/null")),
    ];
    (list, listener)
}

fn fingerprint(path: &Path) -> (String, SystemTime, u32) {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).unwrap();
    (
        common::sha256_of(path),
        meta.modified().unwrap(),
        meta.mode(),
    )
}

fn special_files_as_input_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (specials, _listener) = specials(dir.path());
    let recovered = dir.path().join("r");
    for (kind, path) in &specials {
        let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
            vec!["scan".as_ref(), path.as_os_str()],
            vec!["catalog".as_ref(), "--json".as_ref(), path.as_os_str()],
            vec!["logs".as_ref(), path.as_os_str()],
            vec![
                "replay".as_ref(),
                path.as_os_str(),
                "--out".as_ref(),
                recovered.as_os_str(),
            ],
        ];
        for args in runs {
            let output = run_within_a_second(&args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{kind}: {args:?}: {stderr}");
            if *kind != "directory" || args[0] != "scan" && args[0] != "catalog" {
                assert!(
                    stderr.contains("not a regular file"),
                    "{kind}: {args:?}: {stderr}"
                );
            }
        }
    }
    // As a transaction log, and as SOFTWARE.
    let hive = dir.path().join("SYSTEM");
    std::fs::copy(bundled_lsp(), &hive).unwrap();
    let before = fingerprint(&hive);
    for (kind, path) in &specials {
        for option in ["--log", "--software"] {
            let output = run_within_a_second(&[
                "scan".as_ref(),
                option.as_ref(),
                path.as_os_str(),
                hive.as_os_str(),
            ]);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(2), "{kind} {option}: {stderr}");
            assert!(
                stderr.contains("not a regular file"),
                "{kind} {option}: {stderr}"
            );
        }
    }
    assert_eq!(fingerprint(&hive), before);
}

fn a_batch_records_special_files_named_system_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    for host in ["a", "b", "c", "d"] {
        std::fs::create_dir(dir.path().join(host)).unwrap();
    }
    mkfifo(&dir.path().join("a/SYSTEM"));
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("b/SYSTEM")).unwrap();
    std::os::unix::fs::symlink("/dev/null", dir.path().join("c/SYSTEM")).unwrap();
    let good = dir.path().join("d/SYSTEM");
    std::fs::copy(bundled_lsp(), &good).unwrap();
    let before = fingerprint(&good);
    let output = run_within_a_second(&[
        "scan".as_ref(),
        "--recursive".as_ref(),
        "--jsonl".as_ref(),
        dir.path().as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let records: Vec<serde_json::Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |host: &str| {
        records
            .iter()
            .find(|r| {
                r["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!("{host}/SYSTEM"))
            })
            .unwrap_or_else(|| panic!("no record for {host}: {records:?}"))
    };
    for (host, kind) in [("a", "FIFO"), ("b", "socket")] {
        let error = of(host)["error"].as_str().unwrap();
        assert!(
            error.contains(kind) && error.contains("not a regular file"),
            "{error}"
        );
    }
    assert!(of("d")["input"]["sha256"].is_string(), "the batch went on");
    assert_eq!(fingerprint(&good), before);
}

fn special_files_are_never_replaced_by_an_output() {
    let dir = tempfile::tempdir().unwrap();
    let (specials, _listener) = specials(dir.path());
    let hive = dir.path().join("SYSTEM");
    std::fs::copy(bundled_lsp(), &hive).unwrap();
    let before = fingerprint(&hive);
    let null_before = std::fs::metadata("/dev/null").unwrap();
    for (kind, path) in &specials {
        for force in [false, true] {
            let mut args: Vec<&std::ffi::OsStr> = vec![
                "repair".as_ref(),
                hive.as_os_str(),
                "--mode".as_ref(),
                "reset".as_ref(),
                "--out".as_ref(),
                path.as_os_str(),
            ];
            if force {
                args.push("--force".as_ref());
            }
            let output = run_within_a_second(&args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{kind} force={force}: {stderr}"
            );
            assert!(
                stderr.contains("refusing to write"),
                "{kind} force={force}: {stderr}"
            );
            if force {
                assert!(stderr.contains(kind.split(' ').next().unwrap()), "{stderr}");
            }
        }
    }
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let null_after = std::fs::metadata("/dev/null").unwrap();
    assert!(
        null_after.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    assert_eq!(null_after.rdev(), null_before.rdev());
    assert_eq!(null_after.mode(), null_before.mode());
    assert!(
        std::fs::metadata(dir.path().join("fifo"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(fingerprint(&hive), before);
}

fn an_output_named_like_a_log_of_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SYSTEM");
    std::fs::copy(bundled_lsp(), &hive).unwrap();
    let before = fingerprint(&hive);
    for name in ["SYSTEM.LOG", "SYSTEM.LOG1", "system.log2", "System.Log1"] {
        let out = dir.path().join(name);
        let output = run_within_a_second(&[
            "repair".as_ref(),
            hive.as_os_str(),
            "--mode".as_ref(),
            "reset".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            "--force".as_ref(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("transaction log"), "{name}: {stderr}");
        assert!(!out.exists(), "{name} was written");
    }
    assert_eq!(fingerprint(&hive), before);
}

common::registry::register_tests! {
    Nothing: [
        special_files_as_input_are_refused_at_once,
        a_batch_records_special_files_named_system_and_goes_on,
        special_files_are_never_replaced_by_an_output,
        an_output_named_like_a_log_of_the_input_is_refused,
    ],
}
