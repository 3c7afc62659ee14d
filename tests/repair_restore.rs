//! `repair --mode restore --from SOURCE` on copies of the real hives: a damaged current
//! control set gets the catalogs of another control set or another hive back, IDs and
//! third-party providers included; nothing outside the two Winsock keys changes; peers accept
//! the result; a source of another Windows is refused unless the user insists.

mod common;

use std::path::{Path, PathBuf};

use common::repair::{WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, repair, run};
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::value::{REG_BINARY, REG_DWORD};
use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor::winsock::catalog::{ControlSetCatalogs, PACKED_CATALOG_ITEM, SystemCatalogs};
use winsock_doctor::winsock::diagnose::loaded;
use winsock_doctor::winsock::packed_item::{with_catalog_entry_id, with_chain};

const GAP: &str =
    r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries\000000000005";

/// A copy of the real hive `relative` in a new temporary folder, with the keys `delete`
/// deleted by the editor (the damage).
fn damaged_copy(relative: &str, delete: &[&str]) -> Option<(tempfile::TempDir, PathBuf)> {
    let hives = common::hives_dir()?;
    let bytes = std::fs::read(hives.join(relative)).expect("read hive");
    let mut editor = Editor::open(&bytes).expect("open in the editor");
    for key in delete {
        assert!(editor.delete_key(key).expect("delete"), "{key} missing");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("SYSTEM");
    std::fs::write(&path, editor.finish()).expect("write the damaged copy");
    Some((dir, path))
}

/// A copy of the Windows 7 hive whose current catalog holds a half-removed LSP: a chain entry
/// (ChainLen 2) over a layered entry that is gone, in front of nothing (format doc §5.4).
fn half_removed_lsp_copy() -> Option<(tempfile::TempDir, PathBuf)> {
    let hives = common::hives_dir()?;
    let bytes = std::fs::read(hives.join("real/win7-sp1-x86/SYSTEM")).expect("read hive");
    let root = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9";
    let first = all_catalogs(&hives.join("real/win7-sp1-x86/SYSTEM"));
    let tcp = loaded(&first.selected.protocol_catalogs[0])[0];
    let raw = tcp.packed_catalog_item_raw.clone().expect("the TCP entry");
    let chain = with_chain(&raw, &[9_999, 1001]).expect("chain");
    let chain = with_catalog_entry_id(&chain, 1075).expect("id");
    let mut editor = Editor::open(&bytes).expect("open in the editor");
    let key = format!(r"{root}\Catalog_Entries\000000000025");
    editor.create_key(&key).unwrap();
    editor
        .set_value(&key, PACKED_CATALOG_ITEM, REG_BINARY, &chain)
        .unwrap();
    editor
        .set_value(root, "Num_Catalog_Entries", REG_DWORD, &25u32.to_le_bytes())
        .unwrap();
    editor
        .set_value(
            root,
            "Next_Catalog_Entry_ID",
            REG_DWORD,
            &1076u32.to_le_bytes(),
        )
        .unwrap();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("SYSTEM");
    std::fs::write(&path, editor.finish()).expect("write the damaged copy");
    Some((dir, path))
}

fn all_catalogs(path: &Path) -> SystemCatalogs {
    let options = LogOptions {
        no_logs: true,
        logs: Vec::new(),
    };
    OpenedHive::open(path, options)
        .expect("open hive")
        .catalogs(None, true)
        .expect("read catalogs")
}

/// Every loaded entry of both catalogs, as stored: list, key, values (the IDs are in the
/// PackedCatalogItem bytes).
fn stored_entries(cs: &ControlSetCatalogs) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for list in &cs.protocol_catalogs {
        for entry in loaded(list) {
            let values = entry.values.iter().map(|v| format!("{v:?}")).collect();
            out.push((list.name.clone(), entry.key.clone(), values));
        }
    }
    for list in &cs.namespace_catalogs {
        for entry in loaded(list) {
            let values = entry.values.iter().map(|v| format!("{v:?}")).collect();
            out.push((list.name.clone(), entry.key.clone(), values));
        }
    }
    out
}

fn control_set<'c>(catalogs: &'c SystemCatalogs, name: &str) -> &'c ControlSetCatalogs {
    std::iter::once(&catalogs.selected)
        .chain(&catalogs.others)
        .find(|cs| cs.control_set == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn restore_of(report: &Value) -> &Value {
    &report["control_sets"][0]["restore"]
}

#[test]
fn a_catalog_gap_is_restored_from_control_set_002_ids_and_vmware_included() {
    let Some((dir, input)) = damaged_copy("real/win7-sp1-x86/SYSTEM", &[GAP]) else {
        return;
    };
    let (code, scan, _) = run(&["scan", input.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "the gap is found: {scan:#}");
    let out = dir.path().join("SYSTEM.restored");
    let report = repair(
        &input,
        &out,
        &["--mode", "restore", "--from", "ControlSet002"],
    );
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert!(
        restore_of(&report)["source"]
            .as_str()
            .unwrap()
            .contains("ControlSet002"),
        "{report:#}"
    );

    let before = all_catalogs(&input);
    let after = all_catalogs(&out);
    let wanted = stored_entries(control_set(&before, "ControlSet002"));
    assert_eq!(stored_entries(&after.selected), wanted);
    let vmci = after
        .selected
        .protocol_catalogs
        .iter()
        .flat_map(loaded)
        .filter_map(|e| e.item.as_ref())
        .filter(|i| i.sz_protocol.contains("VMCI") && i.library_path.contains("vsocklib.dll"))
        .count();
    assert_eq!(vmci, 2, "the VMware VMCI providers are kept");
    // The control set restored from is only read.
    assert_eq!(
        stored_entries(control_set(&after, "ControlSet002")),
        wanted,
        "ControlSet002 changed"
    );
    assert_healthy(&out);
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}

#[test]
fn a_half_removed_lsp_is_restored_away_from_control_set_002() {
    let Some((dir, input)) = half_removed_lsp_copy() else {
        return;
    };
    let (code, scan, _) = run(&["scan", input.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "the dangling chain is found: {scan:#}");
    let out = dir.path().join("SYSTEM.restored");
    let report = repair(
        &input,
        &out,
        &["--mode", "restore", "--from", "ControlSet002"],
    );
    let before = all_catalogs(&input);
    assert_eq!(
        stored_entries(&all_catalogs(&out).selected),
        stored_entries(control_set(&before, "ControlSet002"))
    );
    // The chain entry is saved whole, and IDs handed out since are not handed out again.
    let removed = report["control_sets"][0]["removed_providers"]
        .as_array()
        .unwrap();
    assert_eq!(removed.len(), 1, "{report:#}");
    assert_eq!(removed[0]["protocol_entry"]["catalog_entry_id"], 1075);
    let after = all_catalogs(&out);
    let next = after
        .selected
        .protocol_catalog
        .as_ref()
        .and_then(|r| r.next_catalog_entry_id);
    assert_eq!(next, Some(1076));
    assert_healthy(&out);
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}

#[test]
fn last_known_good_names_the_control_set_select_points_at() {
    let Some((dir, input)) = damaged_copy("real/win7-sp1-x86/SYSTEM", &[GAP]) else {
        return;
    };
    let out = dir.path().join("SYSTEM.restored");
    let report = repair(
        &input,
        &out,
        &["--mode", "restore", "--from", "lastknowngood"],
    );
    assert!(
        restore_of(&report)["source"]
            .as_str()
            .unwrap()
            .contains("ControlSet002"),
        "{report:#}"
    );
    assert_healthy(&out);
}

#[test]
fn a_donor_hive_of_the_same_windows_is_restored_from_and_only_read() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let Some((dir, input)) = damaged_copy("real/win7-sp1-x86/SYSTEM", &[GAP]) else {
        return;
    };
    let donor = hives.join("real/win7-sp1-x86/SYSTEM");
    let donor_sha = common::sha256_of(&donor);
    let out = dir.path().join("SYSTEM.restored");
    let report = repair(
        &input,
        &out,
        &["--mode", "restore", "--from", donor.to_str().unwrap()],
    );
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(common::sha256_of(&donor), donor_sha);
    assert_eq!(
        stored_entries(&all_catalogs(&out).selected),
        stored_entries(&all_catalogs(&donor).selected)
    );
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}

#[test]
fn a_donor_of_another_family_is_refused_and_with_the_flag_says_what_it_changed() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let Some((dir, input)) = damaged_copy("real/win7-sp1-x86/SYSTEM", &[GAP]) else {
        return;
    };
    let donor = hives.join("real/winxp-sp3-x86-m57/SYSTEM");
    let out = dir.path().join("SYSTEM.restored");
    let args = [
        "repair",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--mode",
        "restore",
        "--from",
        donor.to_str().unwrap(),
    ];
    let (code, _, stderr) = run(&args);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Windows XP"), "{stderr}");
    assert!(stderr.contains("--allow-other-windows"), "{stderr}");
    assert!(!out.exists(), "nothing written when refused");

    let report = repair(
        &input,
        &out,
        &[
            "--mode",
            "restore",
            "--from",
            donor.to_str().unwrap(),
            "--allow-other-windows",
        ],
    );
    let restore = restore_of(&report);
    assert!(
        restore["other_windows"]
            .as_str()
            .unwrap()
            .contains("Windows XP"),
        "{report:#}"
    );
    // The Windows 7 providers the XP donor lacks are named and saved whole.
    let removed = restore["catalogs"]["removed"].as_array().unwrap();
    assert!(
        removed
            .iter()
            .any(|p| p["name"].as_str().unwrap().contains("VMCI")),
        "{restore:#}"
    );
    assert!(
        !report["control_sets"][0]["removed_providers"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stored_entries(&all_catalogs(&out).selected),
        stored_entries(&all_catalogs(&donor).selected)
    );
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}

#[test]
fn restoring_an_identical_copy_changes_nothing() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let input = hives.join("real/win7-sp1-x86/SYSTEM");
    let (code, json, stderr) = run(&[
        "repair",
        input.to_str().unwrap(),
        "--dry-run",
        "--json",
        "--mode",
        "restore",
        "--from",
        "ControlSet002",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["status"], "nothing_to_do", "{json:#}");
}

#[test]
fn what_restore_needs_is_asked_for() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let input = hives.join("real/win7-sp1-x86/SYSTEM");
    let input = input.to_str().unwrap();
    for (args, says) in [
        (
            vec!["--mode", "restore", "--from", "ControlSet001"],
            "being repaired",
        ),
        (vec!["--mode", "restore"], "--from"),
        (vec!["--mode", "reset", "--from", "ControlSet002"], "--from"),
        (
            vec!["--mode", "restore", "--from", "ControlSet007"],
            "ControlSet007",
        ),
        (
            vec![
                "--mode",
                "restore",
                "--from",
                "ControlSet002",
                "--all-control-sets",
            ],
            "--all-control-sets",
        ),
    ] {
        let mut all = vec!["repair", input, "--dry-run"];
        all.extend(args.iter());
        let (code, _, stderr) = run(&all);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn both_x64_lists_come_back_from_a_donor_of_the_same_build() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let relative = "real/win10-1903-x64-dirty/SYSTEM";
    let gap64 = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries64\000000000003";
    let Some((dir, input)) = damaged_copy(relative, &[gap64]) else {
        return;
    };
    let donor = hives.join(relative);
    let out = dir.path().join("SYSTEM.restored");
    let report = repair(
        &input,
        &out,
        &["--mode", "restore", "--from", donor.to_str().unwrap()],
    );
    assert_eq!(report["status"], "repaired", "{report:#}");
    let restored = all_catalogs(&out);
    assert_eq!(
        stored_entries(&restored.selected),
        stored_entries(&all_catalogs(&donor).selected)
    );
    assert!(
        restored
            .selected
            .protocol_catalogs
            .iter()
            .any(|l| l.name == "Catalog_Entries64" && loaded(l).len() == 16)
    );
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}
