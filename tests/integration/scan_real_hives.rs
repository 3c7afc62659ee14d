//! `scan` on the unmodified real hives: no false problems (the acceptance bar), the Windows
//! version and architecture the manifest records, and a report or a clean error for every
//! damaged or synthetic file, never a panic.

use crate::common;

use std::path::Path;

use common::cli::{array, doctor, findings_of, text};
use serde_json::Value;

fn scan(path: &Path, extra: &[&str]) -> std::process::Output {
    doctor()
        .arg("scan")
        .args(extra)
        .arg(path)
        .output()
        .unwrap()
}

/// The family scan should report for the manifest's independent version guess.
fn family_of(guess: &str) -> &'static str {
    let table = [
        ("Windows NT 4.0", "nt4"),
        ("Windows XP", "xp_2003"),
        ("Windows 7", "vista_7"),
        ("Windows 8.1", "win8_81"),
        ("Windows 10", "win10_11"),
    ];
    table
        .iter()
        .find(|(prefix, _)| guess.starts_with(prefix))
        .map(|&(_, family)| family)
        .unwrap_or_else(|| panic!("no family for {guess:?}"))
}

fn every_readable_real_hive_is_healthy_with_the_manifest_version() {
    let Some(hives) = common::listed_system_hives(true) else {
        return;
    };
    assert!(hives.len() >= 7, "only {} hives checked", hives.len());
    for (path, hive) in hives {
        let rel = text(&hive["path"]);
        for extra in [&[][..], &["--all-control-sets"][..]] {
            let output = scan(&path, &[&["--json"][..], extra].concat());
            let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
            let problems: Vec<&Value> = array(&doc, "findings")
                .iter()
                .filter(|f| f["severity"] != "info")
                .collect();
            assert!(problems.is_empty(), "{rel} {extra:?}: {problems:#?}");
            assert_eq!(doc["healthy"], true, "{rel}");
            assert_eq!(output.status.code(), Some(0), "{rel}");
        }
        let doc: Value = serde_json::from_slice(&scan(&path, &["--json"]).stdout).unwrap();
        let guess = hive["windows_version_guess"].as_str().unwrap();
        assert_eq!(doc["windows"]["family"], family_of(guess), "{rel}: {guess}");
        assert_eq!(
            doc["windows"]["arch"],
            hive["processor_architecture"]
                .as_str()
                .unwrap()
                .to_lowercase(),
            "{rel}"
        );
        assert_eq!(doc["windows"]["exact"], false);
        // Third-party base providers the manifest lists are reported, for information only.
        let third_party = !hive["third_party_entries"].as_array().unwrap().is_empty();
        let reported = findings_of(&doc, "third_party_base_provider")
            .iter()
            .any(|f| f["severity"] == "info");
        assert_eq!(reported, third_party, "{rel}");
    }
}

fn the_damaged_hive_reports_its_unreadable_keys() {
    let Some(damaged) = common::listed_system_hives(false) else {
        return;
    };
    assert!(
        !damaged.is_empty(),
        "no hive of manifest.json has winsock2_present: false: nothing checked"
    );
    for (path, _) in damaged {
        let output = scan(&path, &["--json"]);
        assert_eq!(output.status.code(), Some(1), "{}", path.display());
        let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert!(
            findings_of(&doc, "key_unreadable")
                .iter()
                .any(|f| f["key"] == r"Services\WinSock2\Parameters"),
            "{doc:#}"
        );
    }
}

fn every_zoo_file_gives_a_report_or_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let files = common::files_below(&dir.join("zoo"));
    assert!(files.len() > 50);
    for file in files {
        for json in [true, false] {
            let output = scan(&file, if json { &["--json"] } else { &[] });
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(!stderr.contains("panicked"), "{}: {stderr}", file.display());
            match output.status.code() {
                Some(0 | 1) if json => {
                    let doc: Value = serde_json::from_slice(&output.stdout).expect("JSON");
                    assert!(doc["healthy"].is_boolean());
                }
                Some(0 | 1) => {}
                Some(2) => assert!(
                    stderr.starts_with("winsock-doctor: ") && stderr.lines().count() == 1,
                    "{}: {stderr}",
                    file.display()
                ),
                other => panic!("{}: exit {other:?}: {stderr}", file.display()),
            }
        }
    }
}

fn a_software_hive_that_is_not_one_is_a_clean_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let system = dir.join("real/win7-sp1-x86/SYSTEM");
    let output = scan(&system, &["--software", system.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a SOFTWARE hive"));
}

common::registry::register_tests! {
    Hives: [
        every_readable_real_hive_is_healthy_with_the_manifest_version,
        the_damaged_hive_reports_its_unreadable_keys,
        every_zoo_file_gives_a_report_or_a_clean_error,
        a_software_hive_that_is_not_one_is_a_clean_error,
    ],
}
