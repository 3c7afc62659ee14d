//! `winsock-doctor check`: the full structural check agrees with the independent parsers on every
//! hive we have, says where damage is, and the editor refuses to free a cell a damaged hive
//! shares (issue 19).

use crate::common;

use std::path::{Path, PathBuf};

use common::cli::doctor;
use common::repair::{repair_refused, run};

/// The verdict of `check` on each hive of ../shared/hives, with the reason. Recorded from the
/// peers (`validate_hive.sh`, 12 parsers) run once on each hive, after log replay for dirty
/// hives (2026-12-04): "whole" where every peer passes, "damaged" where the strict peers (the
/// regf crate, nt-hive) fail, "unreadable" where no peer can open the file. Where the table
/// departs from a strict peer, the reason says why.
#[rustfmt::skip]
const EXPECTED: &[(&str, &str, &str)] = &[
    ("real/nt4-sp3-x86-dc/SYSTEM",                 "whole",      "all peers pass"),
    ("real/win10-1709-x64-dirty-with-logs/SYSTEM", "whole",      "all peers pass after replay"),
    ("real/win10-1903-x64-dirty/SYSTEM",           "whole",      "dirty, no logs: nt-hive and yarp refuse only the sequence numbers, and a dirty base block alone is not damage"),
    ("real/win7-sp1-x86/SYSTEM",                   "whole",      "all peers pass; 1.5 MB of trailing bytes are not damage"),
    ("real/win81-x64-dirty/SYSTEM",                "whole",      "dirty, no logs: nt-hive and yarp refuse only the sequence numbers"),
    ("real/winxp-sp3-x86-damaged/SYSTEM",          "damaged",    "zeroed bins: every peer fails"),
    ("real/winxp-sp3-x86-iecompat/SYSTEM",         "whole",      "all peers pass"),
    ("real/winxp-sp3-x86-m57/SYSTEM",              "whole",      "all peers pass"),
    ("zoo/BadListHive",                            "damaged",    "regf: a key's parent is not the key listing it (one subkey list used by two keys)"),
    ("zoo/BadSubkeyHive",                          "damaged",    "regf: a key listed by two keys"),
    ("zoo/BigDataHive",                            "whole",      "all peers pass"),
    ("zoo/BogusKeyNamesHive",                      "whole",      "only reged (advisory) fails"),
    ("zoo/CompHive",                               "whole",      "all peers pass; its lf hint for U+009F is Windows' own (hints are compared for ASCII only)"),
    ("zoo/DeletedDataHive",                        "whole",      "all peers pass"),
    ("zoo/DeletedDataHiveTruncated",               "damaged",    "regf, nt-hive: a value list past the hive bins"),
    ("zoo/DeletedTreeHive",                        "whole",      "all peers pass"),
    ("zoo/DeletedTreeNoRootFlagHive",              "damaged",    "regf: the root is not flagged KEY_HIVE_ENTRY"),
    ("zoo/DeletedTreePartialPathHive",             "damaged",    "regf: the root is not flagged KEY_HIVE_ENTRY"),
    ("zoo/DupNameHive",                            "whole",      "all peers pass"),
    ("zoo/DuplicateSubkeysHive",                   "damaged",    "regf: a subkey list not strictly sorted (a name twice)"),
    ("zoo/EffectiveSizeHive",                      "damaged",    "regf, nt-hive: bad checksum, offsets past the bins"),
    ("zoo/EmptyHive",                              "whole",      "all peers pass"),
    ("zoo/ExtendedASCIIHive",                      "whole",      "all peers pass"),
    ("zoo/GarbageHive",                            "damaged",    "nt-hive: the base block checksum is wrong"),
    ("zoo/HealedHive",                             "damaged",    "regf: a security reference count of 8 for 4 keys"),
    ("zoo/InvalidParentFragment",                  "unreadable", "a bin, not a hive: every peer fails"),
    ("zoo/InvalidParentHive",                      "damaged",    "regf: a key's parent field names another key"),
    ("zoo/ManySubkeysHive",                        "whole",      "all peers pass"),
    ("zoo/MultiSzHive",                            "whole",      "all peers pass"),
    ("zoo/NewFlagsHive",                           "whole",      "all peers pass"),
    ("zoo/OffHive",                                "whole",      "all peers pass"),
    ("zoo/OldLogWithRemnantData",                  "unreadable", "a transaction log, not a hive: every peer fails"),
    ("zoo/PairHive",                               "whole",      "only reged (advisory) fails"),
    ("zoo/ReallocValueDataHive",                   "whole",      "all peers pass"),
    ("zoo/ReallocValueHive",                       "whole",      "all peers pass"),
    ("zoo/RemnantData",                            "whole",      "all peers pass"),
    ("zoo/RemnantsHive",                           "whole",      "all peers pass"),
    ("zoo/SlackHive",                              "whole",      "all peers pass"),
    ("zoo/StringValuesHive",                       "whole",      "all peers pass"),
    ("zoo/System_Delta",                           "whole",      "regf passes; nt-hive panics, hivex, notatin and pyregf misread the tombstone values (data size 0, no data cell) of this differencing hive (format 1.6), which Windows reads as empty"),
    ("zoo/TruncatedDirtyHive",                     "unreadable", "bins past the end of the file: every peer fails"),
    ("zoo/TruncatedHive",                          "unreadable", "bins past the end of the file: every peer fails"),
    ("zoo/TruncatedHiveBin",                       "unreadable", "shorter than a base block: every peer fails"),
    ("zoo/TruncatedNameHive",                      "damaged",    "regf, nt-hive: a key name past its cell"),
    ("zoo/TruncatedPairHive",                      "whole",      "nt-hive passes; regf refuses an unpaired UTF-16 surrogate in a name, which Windows (counted UTF-16 units) accepts"),
    ("zoo/TruncatedPairHive2",                     "whole",      "as TruncatedPairHive"),
    ("zoo/TwoOwnersHive",                          "whole",      "only reged (advisory) fails"),
    ("zoo/UnicodeHive",                            "whole",      "all peers pass"),
    ("zoo/UpcaseHive",                             "whole",      "nt-hive passes; regf sorts ß as SS, Windows (which wrote it) upcases ß to itself"),
    ("zoo/ValuesOrderHive",                        "whole",      "all peers pass"),
    ("zoo/WrongOrderHive",                         "damaged",    "regf: subkey lists not sorted"),
    ("zoo/BadBaseBlockHive/BadBaseBlockHive",      "whole",      "all peers pass after replay from its logs"),
    ("zoo/BadLogHive1/BadLogHive",                 "whole",      "dirty, logs unusable: nt-hive and yarp refuse only the sequence numbers"),
    ("zoo/BadLogHive2/BadLogHive",                 "whole",      "as BadLogHive1"),
    ("zoo/BadLogHive3/BadLogHive",                 "whole",      "as BadLogHive1"),
    ("zoo/NewDirtyHive2/NewDirtyHive",             "whole",      "all peers pass after replay"),
    ("zoo/OldDirtyHive/OldDirtyHive",              "whole",      "all peers pass after replay"),
];

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

fn check_json(hive: &Path) -> (i32, serde_json::Value) {
    let (code, json, stderr) = run(&["check", "--json", hive.to_str().unwrap()]);
    assert!(json.is_object(), "{}: {stderr}", hive.display());
    (code, json)
}

fn check_agrees_with_the_peers_on_every_shared_hive() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    // Every hive there is in the table: a new one must get its recorded verdict.
    for file in common::files_below(&dir) {
        let relative = file
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let is_hive = (relative.starts_with("zoo/") || relative.ends_with("/SYSTEM"))
            && !relative.to_ascii_lowercase().contains(".log")
            && !relative.starts_with("zoo/Discovery/")
            && relative.starts_with(['r', 'z']);
        if is_hive {
            assert!(
                EXPECTED.iter().any(|(path, _, _)| *path == relative),
                "{relative} has no recorded verdict"
            );
        }
    }
    for (path, verdict, reason) in EXPECTED {
        let (code, json) = check_json(&dir.join(path));
        assert_eq!(json["verdict"], *verdict, "{path} ({reason}): {json:#}");
        let expected_code = match *verdict {
            "whole" => 0,
            "damaged" => 1,
            _ => 2,
        };
        assert_eq!(code, expected_code, "{path}");
        if *verdict == "damaged" {
            let first = &json["problems"][0];
            assert!(
                first["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{path}"
            );
        }
    }
}

fn the_bundled_hives_are_whole() {
    for name in ["win10-x64.hive", "win10-x64-lsp.hive", "winxp-sp3-x86.hive"] {
        let (code, json) = check_json(&bundled(name));
        assert_eq!(
            (code, json["verdict"].as_str()),
            (0, Some("whole")),
            "{json:#}"
        );
        assert_eq!(json["problem_count"], 0);
        assert!(json["keys"].as_u64().unwrap() > 40);
    }
}

/// The reproduction of issue 19: element 1 of the value list of the LSP's hidden entry points
/// at a value of namespace entry 5.
fn shared_value_hive(dir: &Path) -> PathBuf {
    let mut bytes = std::fs::read(bundled("win10-x64-lsp.hive")).unwrap();
    bytes[0x9fe8..0x9fec].copy_from_slice(&[0xe8, 0xa8, 0x00, 0x00]);
    let path = dir.join("shared.hive");
    std::fs::write(&path, bytes).unwrap();
    path
}

fn removing_an_lsp_that_shares_a_cell_with_a_namespace_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = shared_value_hive(dir.path());
    let out = dir.path().join("out.hive");
    let stderr = repair_refused(&input, &out, &["--mode", "remove-lsp"]);
    assert!(
        stderr.contains("refusing to free the cell at offset 0xb8e8")
            && stderr.contains("key node at offset 0x"),
        "{stderr}"
    );

    // `check` says where: a value cell shared by two keys under WinSock2.
    let (code, json) = check_json(&input);
    assert_eq!((code, json["verdict"].as_str()), (1, Some("damaged")));
    let problem = &json["problems"][0];
    assert_eq!(problem["kind"], "shared_cell", "{json:#}");
    assert_eq!(problem["offset"], 0xb8ec);
    assert!(
        problem["key_path"]
            .as_str()
            .unwrap()
            .starts_with(r"ControlSet001\Services\WinSock2\Parameters\"),
        "{problem}"
    );

    // `scan` shows it in its structure section; inside the Winsock keys, it is no finding of
    // its own.
    let (_, scan, _) = run(&["scan", "--json", input.to_str().unwrap()]);
    assert_eq!(scan["structure"]["verdict"], "damaged", "{scan:#}");
    assert_eq!(scan["structure"]["outside_winsock"], 0);
    let codes: Vec<&str> = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"hive_structure_damaged"), "{codes:?}");
}

fn damage_outside_the_winsock_keys_is_a_scan_finding_and_the_report_fits_80_columns() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("damaged.hive");
    let mut bytes = std::fs::read(bundled("win10-x64.hive")).unwrap();
    // Zero the last page of the bins: a damaged bin, keys whose cells lay there.
    let len = bytes.len();
    bytes[len - 4096..].fill(0);
    std::fs::write(&input, bytes).unwrap();

    let (code, scan, _) = run(&["scan", "--json", input.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(scan["structure"]["verdict"], "damaged");
    let finding = scan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "hive_structure_damaged")
        .unwrap_or_else(|| panic!("{scan:#}"));
    assert_eq!(finding["severity"], "warning");
    assert!(finding["repair"]["options"][0] == "--salvage", "{finding}");

    let out = doctor()
        .args(["check", input.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Verdict:  DAMAGED"), "{text}");
    assert!(text.contains("bin at offset 0x"), "{text}");
    for line in text.lines() {
        assert!(line.chars().count() <= 80, "{line:?}");
    }
}

fn a_file_that_is_no_hive_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SYSTEM");
    std::fs::write(&path, b"not a hive").unwrap();
    let (code, json) = check_json(&path);
    assert_eq!((code, json["verdict"].as_str()), (2, Some("unreadable")));
    assert!(
        json["error"]
            .as_str()
            .unwrap()
            .contains("4096-byte base block"),
        "{json}"
    );
}

common::registry::register_tests! {
    Nothing: [
        the_bundled_hives_are_whole,
        removing_an_lsp_that_shares_a_cell_with_a_namespace_entry_is_refused,
        damage_outside_the_winsock_keys_is_a_scan_finding_and_the_report_fits_80_columns,
        a_file_that_is_no_hive_is_unreadable,
    ],
    Hives: [
        check_agrees_with_the_peers_on_every_shared_hive,
    ],
}
