//! `replay` and `logs` through the real binary: the recovered hive matches the independent
//! recovery, inputs stay untouched, and every orphan log is described as the manifest says.

use crate::common;

use common::cli::{array, doctor, json};
use serde_json::Value;

fn replay_writes_the_recovered_1709_hive_and_leaves_the_inputs_alone() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let folder = hives.join("real/win10-1709-x64-dirty-with-logs");
    let dir = tempfile::tempdir().unwrap();
    for name in ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"] {
        std::fs::copy(folder.join(name), dir.path().join(name)).unwrap();
    }
    let hive = dir.path().join("SYSTEM");
    let before: Vec<String> = ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"]
        .iter()
        .map(|n| common::sha256_of(&dir.path().join(n)))
        .collect();
    let out = dir.path().join("recovered");
    let report = json(doctor().arg("replay").arg(&hive).arg("--out").arg(&out).arg("--json"));
    assert_eq!(
        report["logs"]["replay"]["applied"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(report["output"]["sha256"], common::sha256_of(&out));

    // The independent recovery has the same base block and bins; it keeps the primary's
    // trailing bytes past the bins, which a written hive must not have.
    let written = std::fs::read(&out).unwrap();
    let expected = std::fs::read(folder.join("expected/SYSTEM.recovered")).unwrap();
    let bins = u32::from_le_bytes(written[40..44].try_into().unwrap()) as usize;
    assert_eq!(written.len(), 4096 + bins);
    assert!(
        written[..] == expected[..written.len()],
        "differs from expected/SYSTEM.recovered"
    );
    common::assert_peers_pass(&out);

    let after: Vec<String> = ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"]
        .iter()
        .map(|n| common::sha256_of(&dir.path().join(n)))
        .collect();
    assert_eq!(before, after);

    // Writing over the input or a log is refused, even with --force.
    for target in ["SYSTEM", "SYSTEM.LOG2"] {
        doctor()
            .arg("replay")
            .arg(&hive)
            .arg("--out")
            .arg(dir.path().join(target))
            .arg("--force")
            .assert()
            .code(2);
    }
}

fn a_dirty_hive_without_logs_is_not_written_as_recovered() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("recovered");
    let output = doctor()
        .arg("replay")
        .arg(hives.join("real/win81-x64-dirty/SYSTEM"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("no transaction log could be applied")
    );
    assert!(!out.exists());
}

fn logs_describes_every_log_as_the_manifest_does() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&hives);
    let facts: Vec<&Value> = array(&manifest, "orphan_logs")
        .iter()
        .chain(array(&manifest, "transaction_logs"))
        .collect();
    let mut command = doctor();
    command.arg("logs").arg("--json");
    for log in &facts {
        command.arg(hives.join(log["path"].as_str().unwrap()));
    }
    let output = command.output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(doc["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let records = doc["logs"].as_array().unwrap();
    assert_eq!(records.len(), facts.len());
    for (record, fact) in records.iter().zip(&facts) {
        let base = &fact["baseblock"];
        let description = &record["description"];
        let name = fact["path"].as_str().unwrap();
        assert_eq!(record["input"]["sha256"], fact["sha256"], "{name}");
        assert_eq!(
            description["header"]["primary_sequence"], base["seq1"],
            "{name}"
        );
        assert_eq!(
            description["header"]["file_type"], base["file_type"],
            "{name}"
        );
        assert_eq!(
            description["header"]["checksum_ok"], base["checksum_ok"],
            "{name}"
        );
        if base["log_format"] == "new(HvLE)" {
            let body = &description["body"]["new"];
            assert_eq!(
                body["entries"].as_array().unwrap().len() as u64,
                base["log_entries"].as_u64().unwrap(),
                "{name}"
            );
            assert_eq!(body["first_sequence"], base["log_seq_range"][0], "{name}");
            assert_eq!(body["last_sequence"], base["log_seq_range"][1], "{name}");
        }
    }
}

common::registry::register_tests! {
    Hives: [
        replay_writes_the_recovered_1709_hive_and_leaves_the_inputs_alone,
        a_dirty_hive_without_logs_is_not_written_as_recovered,
        logs_describes_every_log_as_the_manifest_does,
    ],
}
