//! With COLUMNS=80 no line of `catalog`, `scan`, `dlls`, `repair --dry-run`, `logs`, `replay`
//! or `discover` is wider than 80 characters, on the bundled hives and on the real ones: wide tables
//! become one block per entry, prose wraps at spaces.

use crate::common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

const WIDTH: usize = 80;

fn assert_fits(args: &[&std::ffi::OsStr]) {
    let output = Command::cargo_bin("winsock-doctor")
        .unwrap()
        .env("COLUMNS", WIDTH.to_string())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    for line in text.lines() {
        assert!(
            line.chars().count() <= WIDTH,
            "{args:?}: a line of {} characters:\n{line}",
            line.chars().count()
        );
    }
}

/// `<tmp>/Windows/System32/config/SYSTEM`, a copy of `hive`.
fn volume_of(hive: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(hive, config.join("SYSTEM")).unwrap();
    dir
}

fn every_command_fits(hive: &Path) {
    let h = hive.as_os_str();
    assert_fits(&["catalog".as_ref(), h]);
    assert_fits(&["scan".as_ref(), h]);
    for mode in ["fix", "reset", "remove-lsp"] {
        assert_fits(&[
            "repair".as_ref(),
            h,
            "--mode".as_ref(),
            mode.as_ref(),
            "--dry-run".as_ref(),
        ]);
    }
    let volume = volume_of(hive);
    assert_fits(&["dlls".as_ref(), volume.path().as_os_str()]);
    assert_fits(&["discover".as_ref(), volume.path().as_os_str()]);
    assert_fits(&["scan".as_ref(), volume.path().as_os_str()]);
}

fn the_bundled_hives_fit_in_80_columns() {
    for name in ["win10-x64-lsp.hive", "win10-x64.hive", "winxp-sp3-x86.hive"] {
        every_command_fits(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("hives")
                .join(name),
        );
    }
}

fn the_real_hives_and_their_logs_fit_in_80_columns() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&hives);
    let paths = |list: &str| -> Vec<PathBuf> {
        manifest[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| hives.join(h["path"].as_str().unwrap()))
            .collect()
    };
    for hive in paths("system_hives") {
        every_command_fits(&hive);
    }
    let logs = paths("transaction_logs");
    let mut args: Vec<&std::ffi::OsStr> = vec!["logs".as_ref()];
    args.extend(logs.iter().map(|l| l.as_os_str()));
    assert_fits(&args);
    let out = tempfile::tempdir().unwrap();
    let replayed = out.path().join("replayed");
    let dirty = hives.join("real/win10-1709-x64-dirty-with-logs/SYSTEM");
    assert_fits(&[
        "replay".as_ref(),
        dirty.as_os_str(),
        "--out".as_ref(),
        replayed.as_os_str(),
    ]);
}

common::registry::register_tests! {
    Nothing: [
        the_bundled_hives_fit_in_80_columns,
    ],
    Hives: [
        the_real_hives_and_their_logs_fit_in_80_columns,
    ],
}
