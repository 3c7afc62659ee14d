//! Shared helpers for tests that use the real hives in ../shared/hives.
#![allow(dead_code)] // each test binary uses a different subset

pub mod patchable;

use std::path::{Path, PathBuf};

/// The test hives folder: `WINSOCK_DOCTOR_HIVES`, else `../shared/hives` next to the crate.
/// `None` (after a loud message) when it is absent, unless `WINSOCK_DOCTOR_REQUIRE_HIVES=1`,
/// which makes its absence a failure.
pub fn hives_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WINSOCK_DOCTOR_HIVES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/hives")));
    if dir.join("manifest.json").is_file() {
        return Some(dir);
    }
    if std::env::var("WINSOCK_DOCTOR_REQUIRE_HIVES").as_deref() == Ok("1") {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_HIVES=1 but the test hives are not at {}",
            dir.display()
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED: test hives not found at {} (set WINSOCK_DOCTOR_HIVES) !!!!!\n",
        dir.display()
    );
    None
}

pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("read manifest.json");
    serde_json::from_str(&text).expect("parse manifest.json")
}

pub fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).expect("read file");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file below `dir`, recursively, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
