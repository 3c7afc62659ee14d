//! Helpers for the repair tests: run `repair` and `scan` on files, and read catalogs back with
//! the library.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor::winsock::catalog::{CatalogList, ProtocolEntry, SystemCatalogs};
use winsock_doctor::winsock::diagnose::loaded;

/// The subtrees every repair may change (the hives' current control set is ControlSet001).
pub const WINSOCK_KEYS: [&str; 2] = [
    r"ControlSet001\Services\WinSock2",
    r"ControlSet001\Services\Winsock",
];

/// What `--fix-services` may change besides [`WINSOCK_KEYS`]: the AFD and Tcpip services.
pub const SERVICE_KEYS: [&str; 2] = [
    r"ControlSet001\Services\AFD",
    r"ControlSet001\Services\Tcpip",
];

/// The subtrees a repair with `args` may change: [`WINSOCK_KEYS`], and [`SERVICE_KEYS`] with
/// `--fix-services`.
pub fn keys_changed_by(args: &[&str]) -> Vec<&'static str> {
    let mut keys = WINSOCK_KEYS.to_vec();
    if args.contains(&"--fix-services") {
        keys.extend(SERVICE_KEYS);
    }
    keys
}

/// The project rule for every hive the tool writes: all peers accept `out` (`validate_hive.sh`
/// exits 0 with `OVERALL: PASS`) and `diff_outside.sh` shows nothing changed from `input`
/// outside `changed_keys`. Skips (loudly) when the peers are absent, unless
/// `WINSOCK_DOCTOR_REQUIRE_PEERS=1`.
pub fn assert_written_hive_ok(input: &Path, out: &Path, changed_keys: &[&str]) {
    crate::common::assert_peers_pass(out);
    crate::common::assert_unchanged_outside(input, out, changed_keys);
}

/// Run `winsock-doctor ARGS`; (exit code, stdout parsed as JSON or Null, stderr).
pub fn run(args: &[&str]) -> (i32, Value, String) {
    let output = Command::cargo_bin("winsock-doctor")
        .expect("binary")
        .args(args)
        .output()
        .expect("run winsock-doctor");
    let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
    (
        output.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `repair INPUT --out OUT --json --timestamp ... EXTRA`; panics unless it exits 0.
pub fn repair(input: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "repair",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
        "--timestamp",
        "2024-05-01T12:00:00Z",
    ];
    args.extend_from_slice(extra);
    let (code, json, stderr) = run(&args);
    assert_eq!(
        code,
        0,
        "repair {extra:?} of {} failed: {stderr}\n{json:#}",
        input.display()
    );
    json
}

/// `repair INPUT ARGS --out OUT`, which must refuse (exit 2) and write nothing; its stderr.
pub fn repair_refused(input: &Path, out: &Path, args: &[&str]) -> String {
    let mut all = vec!["repair", input.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().unwrap()]);
    let (code, _, stderr) = run(&all);
    assert_eq!(code, 2, "repair {args:?} of {}: {stderr}", input.display());
    assert!(
        !out.exists(),
        "repair {args:?} refused but wrote {}",
        out.display()
    );
    stderr
}

/// `scan PATH --json --no-logs`: (exit code, document).
pub fn scan(path: &Path) -> (i32, Value) {
    let (code, json, stderr) = run(&["scan", path.to_str().unwrap(), "--json", "--no-logs"]);
    assert!(code == 0 || code == 1, "scan failed: {stderr}");
    (code, json)
}

/// Assert that `scan` finds no problem in `path`.
pub fn assert_healthy(path: &Path) {
    let (code, json) = scan(path);
    assert_eq!(
        code,
        0,
        "{} is not healthy: {:#}",
        path.display(),
        json["findings"]
    );
}

/// The catalogs of a hive file as the library reads them (no logs).
pub fn catalogs(path: &Path) -> SystemCatalogs {
    OpenedHive::open(
        path,
        LogOptions {
            no_logs: true,
            logs: Vec::new(),
        },
    )
    .expect("open hive")
    .catalogs(None, false)
    .expect("read catalogs")
}

/// The loaded entries of a protocol list, in key order.
pub fn entries(list: &CatalogList<ProtocolEntry>) -> Vec<&ProtocolEntry> {
    loaded(list)
}

/// The protocol list `name` of the selected control set.
pub fn protocol_list<'c>(
    catalogs: &'c SystemCatalogs,
    name: &str,
) -> &'c CatalogList<ProtocolEntry> {
    catalogs
        .selected
        .protocol_catalogs
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

/// A copy of the files `names` of `hives/<folder>` in a new temporary folder; returns the
/// folder (kept alive by the caller) and the copy of the first file.
pub fn copy_files(hives: &Path, folder: &str, names: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in names {
        let target = dir.path().join(Path::new(name).file_name().unwrap());
        std::fs::copy(hives.join(folder).join(name), &target).expect("copy hive");
    }
    let first = dir.path().join(Path::new(names[0]).file_name().unwrap());
    (dir, first)
}
