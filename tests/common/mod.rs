//! Shared helpers for integration tests: where the real hives and peer validators are.
#![allow(dead_code)] // each test crate uses a different subset

use std::path::{Path, PathBuf};
use std::process::Command;

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// The shared hives folder (`WINSOCK_DOCTOR_HIVES`, default `<crate>/../shared/hives`). When it
/// is absent, print a loud skip message and return `None`, unless
/// `WINSOCK_DOCTOR_REQUIRE_HIVES=1`, then panic.
pub fn hives_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WINSOCK_DOCTOR_HIVES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/hives"));
    if dir.is_dir() {
        return Some(dir);
    }
    if env_flag("WINSOCK_DOCTOR_REQUIRE_HIVES") {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_HIVES=1 but the test hives are not at {}",
            dir.display()
        );
    }
    eprintln!(
        "\n*** SKIPPED: test hives not found at {} (set WINSOCK_DOCTOR_HIVES) ***\n",
        dir.display()
    );
    None
}

/// The hive `relative` inside the hives folder, or `None` (after a loud message) when absent.
pub fn hive_path(relative: &str) -> Option<PathBuf> {
    Some(hives_dir()?.join(relative))
}

/// `manifest.json` of the hives folder.
pub fn manifest() -> Option<serde_json::Value> {
    let path = hives_dir()?.join("manifest.json");
    let text = std::fs::read_to_string(&path).expect("read manifest.json");
    Some(serde_json::from_str(&text).expect("parse manifest.json"))
}

/// Run `validate_hive.sh` (in `peers/` beside the hives folder) over `hive` and return its
/// output, or `None` (after a loud message) when the peers are not installed, unless
/// `WINSOCK_DOCTOR_REQUIRE_PEERS=1`, then panic.
pub fn run_peers(hive: &Path) -> Option<String> {
    let script = hives_dir()?.join("../peers/validate_hive.sh");
    let peers_home = Path::new("/opt/hive-peers");
    if !script.is_file() || !peers_home.is_dir() {
        if env_flag("WINSOCK_DOCTOR_REQUIRE_PEERS") {
            panic!(
                "WINSOCK_DOCTOR_REQUIRE_PEERS=1 but {} or {} is missing",
                script.display(),
                peers_home.display()
            );
        }
        eprintln!(
            "\n*** SKIPPED peer validation: {} or {} is missing ***\n",
            script.display(),
            peers_home.display()
        );
        return None;
    }
    let out = Command::new("bash")
        .arg(&script)
        .arg(hive)
        .output()
        .expect("run validate_hive.sh");
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// Assert that every peer accepts `hive` and agrees on its contents.
pub fn assert_peers_pass(hive: &Path) {
    if let Some(output) = run_peers(hive) {
        assert!(
            output.contains("OVERALL: PASS"),
            "peers reject {}:\n{output}",
            hive.display()
        );
    }
}
