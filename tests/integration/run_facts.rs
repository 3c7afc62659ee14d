//! What every run says about itself: each JSON document names the tool, its version and when
//! it ran; the top-level help lists every exit code; `--software` given a folder says what it
//! wants. On the bundled hives, so it runs on a clean clone.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

fn stdout_of(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let output = Command::cargo_bin("winsock-doctor")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn every_json_document_names_the_tool_its_version_and_the_time() {
    let hive = bundled("win10-x64-lsp.hive");
    let volume = tempfile::tempdir().unwrap();
    let config = volume.path().join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(&hive, config.join("SYSTEM")).unwrap();
    let hive = hive.as_os_str();
    let vol = volume.path().as_os_str();
    let commands: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec!["catalog".as_ref(), "--json".as_ref(), hive],
        vec!["scan".as_ref(), "--json".as_ref(), hive],
        vec!["check".as_ref(), "--json".as_ref(), hive],
        vec![
            "repair".as_ref(),
            hive,
            "--mode".as_ref(),
            "remove-lsp".as_ref(),
            "--dry-run".as_ref(),
            "--json".as_ref(),
        ],
        vec!["dlls".as_ref(), "--json".as_ref(), vol],
        vec!["discover".as_ref(), "--json".as_ref(), vol],
    ];
    for args in commands {
        let (code, stdout, stderr) = stdout_of(&args);
        assert!(matches!(code, Some(0 | 1)), "{args:?}: {stderr}");
        let doc: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout}"));
        assert_eq!(doc["tool"]["name"], "winsock-doctor", "{args:?}");
        assert_eq!(
            doc["tool"]["version"],
            env!("CARGO_PKG_VERSION"),
            "{args:?}"
        );
        let created = doc["created"].as_str().unwrap_or_default();
        assert!(
            created.len() == 20 && created.ends_with('Z'),
            "{args:?}: created {created:?}"
        );
    }
}

fn the_top_level_help_lists_exit_code_3() {
    let (code, help, _) = stdout_of(&["--help".as_ref()]);
    assert_eq!(code, Some(0));
    for exit in [
        "0 success",
        "1 problems found",
        "2 error or refusal",
        "3 repair",
    ] {
        assert!(help.contains(exit), "{exit:?} missing from:\n{help}");
    }
}

fn software_given_a_folder_says_it_wants_the_hive_file() {
    let folder = tempfile::tempdir().unwrap();
    let (code, _, stderr) = stdout_of(&[
        "scan".as_ref(),
        bundled("win10-x64.hive").as_os_str(),
        "--software".as_ref(),
        folder.path().as_os_str(),
    ]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("a folder, not a regular file: --software takes the SOFTWARE hive file"),
        "{stderr}"
    );
}

/// On a volume the one command repairs the installation itself (`--install`, with a backup
/// `restore` puts back), not a copy.
fn on_a_volume_the_command_to_run_installs_the_repair() {
    let volume = tempfile::tempdir().unwrap();
    let config = volume.path().join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::copy(bundled("win10-x64-lsp.hive"), config.join("SYSTEM")).unwrap();
    let (code, stdout, stderr) = stdout_of(&[
        "scan".as_ref(),
        "--json".as_ref(),
        volume.path().as_os_str(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let what = &doc["what_to_run"];
    assert_eq!(
        what["command"],
        format!(
            "winsock-doctor repair {} --mode remove-lsp --install",
            volume.path().display()
        ),
        "{what:#}"
    );
    assert!(
        what["alternatives"][0]["what"]
            .as_str()
            .unwrap()
            .contains("drops third-party base providers"),
        "{what:#}"
    );
}

crate::common::registry::register_tests! {
    Nothing: [
        every_json_document_names_the_tool_its_version_and_the_time,
        the_top_level_help_lists_exit_code_3,
        software_given_a_folder_says_it_wants_the_hive_file,
        on_a_volume_the_command_to_run_installs_the_repair,
    ],
}
