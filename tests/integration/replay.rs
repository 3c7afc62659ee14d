//! Log replay against real and synthetic hives, with expected values from manifest.json and
//! the independent peers.

use crate::common;

use std::path::Path;

use winsock_doctor::hive::read_file::ReadFile;

use winsock_doctor::hive::base_block::{BaseBlock, write_checksum};
use winsock_doctor::hive::log::describe::LogBody;
use winsock_doctor::hive::log::{LogFile, Replay, describe_log, discover_logs, open_logs, replay};

/// A hive and its logs, read as the tool reads them.
struct Loaded {
    primary: ReadFile,
    logs: Vec<ReadFile>,
}

impl Loaded {
    fn read(hive: &Path) -> Self {
        Self {
            primary: ReadFile::open(hive).expect("read hive"),
            logs: open_logs(hive).expect("read logs"),
        }
    }

    /// The hive at `relative` in the hives folder with its logs, or `None` when it is absent.
    fn of(relative: &str) -> Option<Self> {
        common::hive_path(relative).map(|path| Self::read(&path))
    }

    fn replay(&self) -> Replay {
        let logs: Vec<LogFile<'_>> = self.logs.iter().map(LogFile::from).collect();
        replay(self.primary.bytes(), &logs).expect("replay")
    }
}

/// The recovered image of a replay that applied logs.
fn recovered(result: &Replay) -> &[u8] {
    result.recovered.as_deref().expect("logs were applied")
}

/// One key or value of a hive, flattened for comparison.
#[derive(Debug, PartialEq, Eq)]
enum Item {
    Key(String),
    Value {
        key: String,
        name: String,
        data_type: String,
        data: Vec<u8>,
    },
}

/// Every key and value under the root, walked with an explicit stack (no recursion).
fn flatten(hive_bytes: &[u8]) -> Vec<Item> {
    let hive = nt_hive::Hive::new(hive_bytes).expect("nt-hive validates the hive");
    let mut items = Vec::new();
    let mut stack = vec![(String::new(), hive.root_key_node().expect("root key"))];
    while let Some((path, key)) = stack.pop() {
        items.push(Item::Key(path.clone()));
        if let Some(values) = key.values() {
            for value in values.expect("values list") {
                let value = value.expect("value");
                items.push(Item::Value {
                    key: path.clone(),
                    name: value.name().expect("value name").to_string_lossy(),
                    data_type: format!("{:?}", value.data_type()),
                    data: value
                        .data()
                        .and_then(|d| d.into_vec())
                        .unwrap_or_else(|e| format!("error: {e}").into_bytes()),
                });
            }
        }
        if let Some(subkeys) = key.subkeys() {
            let mut children = Vec::new();
            for subkey in subkeys.expect("subkeys list") {
                let subkey = subkey.expect("subkey");
                let name = subkey.name().expect("key name").to_string_lossy();
                children.push((format!("{path}\\{name}"), subkey));
            }
            // Reverse so the stack pops children in list order.
            stack.extend(children.into_iter().rev());
        }
    }
    items
}

fn assert_same_tree(actual: &[u8], expected: &[u8]) {
    let actual = flatten(actual);
    let expected = flatten(expected);
    if let Some(i) = (0..actual.len().min(expected.len())).find(|&i| actual[i] != expected[i]) {
        panic!(
            "first difference at item {i}:\n  ours:     {:?}\n  expected: {:?}",
            actual[i], expected[i]
        );
    }
    assert_eq!(
        actual.len(),
        expected.len(),
        "different number of keys + values"
    );
}

/// Assert that every peer accepts the hive `image` (written to a temporary file for them).
fn assert_peers_accept(image: &[u8]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("RECOVERED");
    std::fs::write(&path, image).expect("write image");
    common::assert_peers_pass(&path);
}

fn manifest_entry<'m>(
    manifest: &'m serde_json::Value,
    list: &str,
    path: &str,
) -> &'m serde_json::Value {
    manifest[list]
        .as_array()
        .expect("manifest list")
        .iter()
        .find(|h| h["path"] == path)
        .unwrap_or_else(|| panic!("{path} not in manifest {list}"))
}

fn win10_1709_logs_recover_the_expected_hive() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&hives);
    let dir = hives.join("real/win10-1709-x64-dirty-with-logs");
    let loaded = Loaded::read(&dir.join("SYSTEM"));
    assert_eq!(
        loaded.logs.len(),
        2,
        "SYSTEM.LOG1 and SYSTEM.LOG2 are found"
    );
    let result = loaded.replay();
    let report = &result.report;
    assert!(report.was_dirty);
    assert!(!report.data_may_be_missing);

    // Both logs are applied, older first, with the manifest's sequence ranges.
    let ranges: Vec<(String, usize, Option<u32>, Option<u32>)> = report
        .applied
        .iter()
        .map(|a| {
            let name = a.path.file_name().unwrap().to_string_lossy().into_owned();
            (name, a.entries_applied, a.first_sequence, a.last_sequence)
        })
        .collect();
    let mut expected_ranges = Vec::new();
    for log in ["SYSTEM.LOG1", "SYSTEM.LOG2"] {
        let facts = &manifest_entry(
            &manifest,
            "transaction_logs",
            &format!("real/win10-1709-x64-dirty-with-logs/{log}"),
        )["baseblock"];
        expected_ranges.push((
            log.to_string(),
            facts["log_entries"].as_u64().unwrap() as usize,
            Some(facts["log_seq_range"][0].as_u64().unwrap() as u32),
            Some(facts["log_seq_range"][1].as_u64().unwrap() as u32),
        ));
    }
    assert_eq!(ranges, expected_ranges);

    // The base block: valid checksum, equal sequence numbers, as the independent replay has.
    let expected_facts = &manifest_entry(
        &manifest,
        "system_hives",
        "real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered",
    )["baseblock"];
    let base_block = BaseBlock::parse(recovered(&result)).unwrap();
    assert!(base_block.checksum_ok());
    assert!(!base_block.is_dirty());
    assert_eq!(
        u64::from(base_block.primary_sequence),
        expected_facts["seq1"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(base_block.secondary_sequence),
        expected_facts["seq2"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(base_block.bins_size),
        expected_facts["hive_bins_size"].as_u64().unwrap()
    );
    assert_eq!(report.sequence, Some(base_block.primary_sequence));

    let expected = std::fs::read(dir.join("expected/SYSTEM.recovered")).unwrap();
    assert_same_tree(recovered(&result), &expected);

    assert_peers_accept(recovered(&result));
}

fn zoo_dirty_hives_recover_to_valid_hives() {
    for (hive, format) in [
        ("zoo/OldDirtyHive/OldDirtyHive", "old"),
        ("zoo/NewDirtyHive2/NewDirtyHive", "new"),
    ] {
        let Some(loaded) = Loaded::of(hive) else {
            return;
        };
        let result = loaded.replay();
        let report = &result.report;
        assert!(report.was_dirty, "{hive}");
        assert!(!report.applied.is_empty(), "{hive}: {report:#?}");
        assert!(
            report.applied.iter().all(|a| a.format.name() == format),
            "{hive}: {report:#?}"
        );
        assert!(!report.data_may_be_missing);
        // Full validation: base block (checksum, equal sequence numbers) and every cell walked.
        let items = flatten(recovered(&result));
        assert!(items.len() > 1, "{hive}: the recovered hive has keys");
        assert_peers_accept(recovered(&result));
    }
}

fn new_dirty_hive_skips_the_log_already_in_the_primary() {
    let Some(loaded) = Loaded::of("zoo/NewDirtyHive2/NewDirtyHive") else {
        return;
    };
    let primary = BaseBlock::parse(loaded.primary.bytes()).unwrap();
    let report = loaded.replay().report;
    // LOG1's entries start before the primary's secondary sequence number: already written.
    let log1 = report
        .skipped
        .iter()
        .find(|s| s.path.ends_with("NewDirtyHive.LOG1"))
        .expect("LOG1 skipped");
    assert!(
        log1.reason.contains("already in the primary"),
        "{}",
        log1.reason
    );
    let applied = &report.applied[0];
    assert!(applied.path.ends_with("NewDirtyHive.LOG2"));
    assert_eq!(applied.first_sequence, Some(primary.secondary_sequence));
}

fn broken_logs_and_hives_give_reasons_not_panics() {
    // Each: hive, the reason a skipped log must mention.
    let cases = [
        ("zoo/BadLogHive1/BadLogHive", "checksum"),
        ("zoo/BadLogHive2/BadLogHive", "DIRT"),
        ("zoo/BadLogHive3/BadLogHive", "checksum"),
    ];
    for (hive, reason) in cases {
        let Some(loaded) = Loaded::of(hive) else {
            return;
        };
        let result = loaded.replay();
        let report = &result.report;
        assert!(report.was_dirty, "{hive}");
        assert!(report.applied.is_empty(), "{hive}: {report:#?}");
        assert!(report.data_may_be_missing, "{hive}");
        assert!(
            report.skipped.iter().any(|s| s.reason.contains(reason)),
            "{hive}: no skipped log mentions {reason:?}: {report:#?}"
        );
        // Nothing applied: the caller keeps the primary's own bytes.
        assert!(result.recovered.is_none());
        assert!(report.logs_to_move_aside.is_empty());
    }
}

fn bad_primary_base_block_is_recovered_from_the_log() {
    let Some(loaded) = Loaded::of("zoo/BadBaseBlockHive/BadBaseBlockHive") else {
        return;
    };
    assert!(
        !BaseBlock::parse(loaded.primary.bytes())
            .unwrap()
            .checksum_ok()
    );
    let result = loaded.replay();
    let report = &result.report;
    assert!(report.was_dirty);
    assert!(
        report
            .base_block_from
            .as_ref()
            .is_some_and(|p| p.ends_with("BadBaseBlockHive.LOG1")),
        "{report:#?}"
    );
    let base_block = BaseBlock::parse(recovered(&result)).unwrap();
    assert!(base_block.checksum_ok());
    assert!(!base_block.is_dirty());
    flatten(recovered(&result));
    assert_peers_accept(recovered(&result));
}

fn truncated_dirty_hive_without_logs_reports_missing_data() {
    let Some(loaded) = Loaded::of("zoo/TruncatedDirtyHive") else {
        return;
    };
    let result = loaded.replay();
    assert!(result.report.was_dirty);
    assert!(result.report.applied.is_empty());
    assert!(result.report.data_may_be_missing);
    assert!(result.recovered.is_none(), "the primary is read as it is");
}

fn dirty_hives_without_logs_stay_readable() {
    for hive in [
        "real/win81-x64-dirty/SYSTEM",
        "real/win10-1903-x64-dirty/SYSTEM",
    ] {
        let Some(path) = common::hive_path(hive) else {
            return;
        };
        let primary = std::fs::read(&path).unwrap();
        let result = replay(&primary[..], &[]).expect("replay");
        let report = &result.report;
        assert!(report.was_dirty, "{hive}");
        assert!(report.applied.is_empty());
        assert!(report.data_may_be_missing);
        assert!(result.recovered.is_none());
        // Readable without header validation (the sequence numbers still differ).
        let hive_bytes = nt_hive::Hive::without_validation(&primary[..]).unwrap();
        let root = hive_bytes.root_key_node().unwrap();
        assert!(
            root.subkey("Select").is_some(),
            "{hive}: Select key readable"
        );
    }
}

fn clean_hive_is_returned_without_a_copy() {
    let Some(path) = common::hive_path("real/winxp-sp3-x86-m57/SYSTEM") else {
        return;
    };
    let primary = std::fs::read(&path).unwrap();
    let result = replay(&primary[..], &[]).unwrap();
    assert!(!result.report.was_dirty);
    assert!(!result.report.data_may_be_missing);
    assert!(result.recovered.is_none());
}

fn orphan_and_real_logs_parse_as_the_manifest_says() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    let mut seen = 0;
    for list in ["transaction_logs", "orphan_logs"] {
        for facts in manifest[list].as_array().unwrap() {
            let rel = facts["path"].as_str().unwrap();
            let bb = &facts["baseblock"];
            let bytes = std::fs::read(dir.join(rel)).unwrap();
            let description = describe_log(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"));
            let header = &description.header;
            assert_eq!(
                u64::from(header.base.primary_sequence),
                bb["seq1"].as_u64().unwrap(),
                "{rel}"
            );
            assert_eq!(
                u64::from(header.base.secondary_sequence),
                bb["seq2"].as_u64().unwrap(),
                "{rel}"
            );
            assert_eq!(
                u64::from(header.base.file_type),
                bb["file_type"].as_u64().unwrap(),
                "{rel}"
            );
            assert_eq!(
                header.checksum_ok,
                bb["checksum_ok"].as_bool().unwrap(),
                "{rel}"
            );
            let LogBody::New(body) = &description.body else {
                panic!("{rel}: expected the new format")
            };
            assert_eq!(
                body.entries.len() as u64,
                bb["log_entries"].as_u64().unwrap(),
                "{rel}"
            );
            let range = [body.first_sequence, body.last_sequence].map(|s| s.map(u64::from));
            let expected = [0, 1].map(|i| bb["log_seq_range"][i].as_u64());
            assert_eq!(range, expected, "{rel}");
            let pages: usize = body.entries.iter().map(|e| e.dirty_pages).sum();
            assert_eq!(
                pages as u64,
                bb["log_dirty_pages"].as_u64().unwrap(),
                "{rel}"
            );
            seen += 1;
        }
    }
    assert!(seen >= 12, "the manifest lists the real and orphan logs");
}

fn discovery_finds_logs_in_any_case() {
    let Some(dir) = common::hive_path("zoo/Discovery") else {
        return;
    };
    let names = |case: &str, hive: &str| -> Vec<String> {
        discover_logs(&dir.join(case).join(hive))
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(names("1", "aa"), ["aa.LOG", "aa.LOG1", "aa.LOG2"]);
    assert_eq!(names("2", "AA"), ["aa.LOG1", "aa.LOG2"]);
    assert_eq!(names("3", "AA"), ["aa.log", "aa.log1"]);
    assert_eq!(names("4", "AA"), ["aa.LOG", "aa.log1", "aa.log2"]);
    assert!(names("5", "aa").is_empty());
}

fn truncated_and_mutated_logs_never_panic() {
    for (hive, log) in [
        (
            "zoo/OldDirtyHive/OldDirtyHive",
            "zoo/OldDirtyHive/OldDirtyHive.LOG1",
        ),
        (
            "zoo/NewDirtyHive2/NewDirtyHive",
            "zoo/NewDirtyHive2/NewDirtyHive.LOG2",
        ),
    ] {
        let (Some(hive), Some(log)) = (common::hive_path(hive), common::hive_path(log)) else {
            return;
        };
        let primary = std::fs::read(&hive).unwrap();
        let original = std::fs::read(&log).unwrap();
        let path = log.as_path();
        let mut variants: Vec<Vec<u8>> = (0..original.len())
            .step_by(97)
            .map(|len| original[..len].to_vec())
            .collect();
        // Every field of the log header and of the first entry or dirty vector, set to extremes.
        for at in (0..600).step_by(4) {
            for value in [0u32, 1, 0x7FFF_FFFF, u32::MAX] {
                let mut v = original.clone();
                v[at..at + 4].copy_from_slice(&value.to_le_bytes());
                if at < 508 {
                    // Also with a matching checksum, so the header passes and the value is used.
                    let mut rechecked = v.clone();
                    write_checksum(&mut rechecked);
                    variants.push(rechecked);
                }
                variants.push(v);
            }
        }
        for bytes in &variants {
            let result =
                replay(&primary[..], &[LogFile { path, bytes }]).expect("the primary is fine");
            let report = &result.report;
            assert_eq!(report.applied.len() + report.skipped.len(), 1);
            let _ = describe_log(bytes);
        }
    }
}

common::registry::register_tests! {
    Hives: [
        win10_1709_logs_recover_the_expected_hive,
        zoo_dirty_hives_recover_to_valid_hives,
        new_dirty_hive_skips_the_log_already_in_the_primary,
        broken_logs_and_hives_give_reasons_not_panics,
        bad_primary_base_block_is_recovered_from_the_log,
        truncated_dirty_hive_without_logs_reports_missing_data,
        dirty_hives_without_logs_stay_readable,
        clean_hive_is_returned_without_a_copy,
        orphan_and_real_logs_parse_as_the_manifest_says,
        discovery_finds_logs_in_any_case,
        truncated_and_mutated_logs_never_panic,
    ],
}
