//! The examples do what their comments say, run as a user would run them.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::repair::{WINSOCK_KEYS, assert_written_hive_ok};

/// Build example `name` (`cargo test` builds examples, `cargo test --test examples` does not)
/// and return its path: target/<profile>/examples, beside this test's deps folder.
fn example(name: &str) -> PathBuf {
    let built = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "--example", name, "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .status()
        .expect("run cargo");
    assert!(built.success(), "cargo build --example {name} failed");
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().and_then(Path::parent).unwrap();
    profile_dir
        .join("examples")
        .join(name)
        .with_extension(std::env::consts::EXE_EXTENSION)
}

fn embed_prints_the_lsp_finding_and_writes_a_healthy_hive() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("hives/win10-x64-lsp.hive");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SYSTEM.repaired");
    let run = Command::new(example("embed"))
        .arg(&input)
        .arg(&out)
        .output()
        .expect("run the embed example");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.lines().any(|l| l == "layered_provider"), "{stdout}");
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
    let scan = assert_cmd::Command::cargo_bin("winsock-doctor")
        .unwrap()
        .args(["scan", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).unwrap();
    assert_eq!(scan.status.code(), Some(0), "{doc}");
    assert_eq!(doc["healthy"], true, "{doc}");
}

common::registry::register_tests! {
    Nothing: [
        embed_prints_the_lsp_finding_and_writes_a_healthy_hive,
    ],
}
