//! `repair --mode restore --from SOURCE` on copies of the real hives: a damaged current
//! control set gets the catalogs of another control set or another hive back, IDs and
//! third-party providers included; nothing outside the two Winsock keys changes; peers accept
//! the result; a source of another Windows is refused unless the user insists.

use crate::common;

use std::path::{Path, PathBuf};

use common::repair::{WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, repair, run};
use common::restore::{
    GAP, assert_other_windows, assert_source_contains, restore_of, stored_entries, without_keys,
};
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::value::{REG_BINARY, REG_DWORD};
use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor::winsock::catalog::{ControlSetCatalogs, PACKED_CATALOG_ITEM, SystemCatalogs};
use winsock_doctor::winsock::diagnose::loaded;
use winsock_doctor::winsock::packed_item::{with_catalog_entry_id, with_chain};

const WIN7: &str = "real/win7-sp1-x86/SYSTEM";

/// A damaged hive in a temporary folder, and where its restore is written.
struct Damaged {
    _dir: tempfile::TempDir,
    input: PathBuf,
    out: PathBuf,
}

impl Damaged {
    /// The hive `bytes`, written to a new temporary folder.
    fn new(bytes: &[u8]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let input = dir.path().join("SYSTEM");
        std::fs::write(&input, bytes).expect("write the damaged copy");
        let out = dir.path().join("SYSTEM.restored");
        Self {
            _dir: dir,
            input,
            out,
        }
    }

    /// `repair INPUT --out OUT --mode restore --from FROM...`; panics unless it exits 0.
    fn restore(&self, from: &[&str]) -> Value {
        let args = [&["--mode", "restore", "--from"][..], from].concat();
        repair(&self.input, &self.out, &args)
    }

    /// The output holds the catalogs of `source` as stored, and the peers accept it with
    /// nothing changed outside the Winsock keys.
    fn assert_restored_from(&self, source: &ControlSetCatalogs) {
        assert_eq!(
            stored_entries(&all_catalogs(&self.out).selected),
            stored_entries(source)
        );
        assert_written_hive_ok(&self.input, &self.out, &WINSOCK_KEYS);
    }
}

/// A copy of the real hive `relative` with the keys `delete` deleted (the damage); `None` (the
/// test skips) without the real hives.
fn damaged_copy(relative: &str, delete: &[&str]) -> Option<Damaged> {
    let bytes = common::read_hive(relative)?;
    Some(Damaged::new(&without_keys(&bytes, delete)))
}

/// A copy of the Windows 7 hive whose current catalog holds a half-removed LSP: a chain entry
/// (ChainLen 2) over a layered entry that is gone, in front of nothing (format doc §5.4).
fn half_removed_lsp_copy() -> Option<Damaged> {
    let hives = common::hives_dir()?;
    let bytes = std::fs::read(hives.join(WIN7)).expect("read hive");
    let root = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9";
    let first = all_catalogs(&hives.join(WIN7));
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
    Some(Damaged::new(&editor.finish()))
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

/// `repair INPUT --dry-run ARGS`.
fn dry_run(input: &Path, args: &[&str]) -> (i32, Value, String) {
    run(&[&["repair", input.to_str().unwrap(), "--dry-run"][..], args].concat())
}

fn control_set<'c>(catalogs: &'c SystemCatalogs, name: &str) -> &'c ControlSetCatalogs {
    std::iter::once(&catalogs.selected)
        .chain(&catalogs.others)
        .find(|cs| cs.control_set == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn a_catalog_gap_is_restored_from_control_set_002_ids_and_vmware_included() {
    let Some(case) = damaged_copy(WIN7, &[GAP]) else {
        return;
    };
    let (code, scan, _) = run(&["scan", case.input.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "the gap is found: {scan:#}");
    let report = case.restore(&["ControlSet002"]);
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_source_contains(&report, "ControlSet002");

    let before = all_catalogs(&case.input);
    let wanted = control_set(&before, "ControlSet002");
    case.assert_restored_from(wanted);
    let after = all_catalogs(&case.out);
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
        stored_entries(wanted),
        "ControlSet002 changed"
    );
    assert_healthy(&case.out);
}

fn a_half_removed_lsp_is_restored_away_from_control_set_002() {
    let Some(case) = half_removed_lsp_copy() else {
        return;
    };
    let (code, scan, _) = run(&["scan", case.input.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1, "the dangling chain is found: {scan:#}");
    let report = case.restore(&["ControlSet002"]);
    let before = all_catalogs(&case.input);
    case.assert_restored_from(control_set(&before, "ControlSet002"));
    // The chain entry is saved whole, and IDs handed out since are not handed out again.
    let removed = report["control_sets"][0]["removed_providers"]
        .as_array()
        .unwrap();
    assert_eq!(removed.len(), 1, "{report:#}");
    assert_eq!(removed[0]["protocol_entry"]["catalog_entry_id"], 1075);
    let after = all_catalogs(&case.out);
    let next = after
        .selected
        .protocol_catalog
        .as_ref()
        .and_then(|r| r.next_catalog_entry_id);
    assert_eq!(next, Some(1076));
    assert_healthy(&case.out);
}

fn last_known_good_names_the_control_set_select_points_at() {
    let Some(case) = damaged_copy(WIN7, &[GAP]) else {
        return;
    };
    let report = case.restore(&["lastknowngood"]);
    assert_source_contains(&report, "ControlSet002");
    assert_healthy(&case.out);
}

fn a_donor_hive_of_the_same_windows_is_restored_from_and_only_read() {
    let (Some(case), Some(donor)) = (damaged_copy(WIN7, &[GAP]), common::hive_path(WIN7)) else {
        return;
    };
    let donor_sha = common::sha256_of(&donor);
    let report = case.restore(&[donor.to_str().unwrap()]);
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(common::sha256_of(&donor), donor_sha);
    case.assert_restored_from(&all_catalogs(&donor).selected);
}

fn a_donor_of_another_family_is_refused_and_with_the_flag_says_what_it_changed() {
    let xp = "real/winxp-sp3-x86-m57/SYSTEM";
    let (Some(case), Some(donor)) = (damaged_copy(WIN7, &[GAP]), common::hive_path(xp)) else {
        return;
    };
    let donor = donor.to_str().unwrap();
    let input = ["repair", case.input.to_str().unwrap()];
    let out = ["--out", case.out.to_str().unwrap()];
    let (code, _, stderr) =
        run(&[&input[..], &out, &["--mode", "restore", "--from", donor]].concat());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("Windows XP"), "{stderr}");
    assert!(stderr.contains("--allow-other-windows"), "{stderr}");
    assert!(!case.out.exists(), "nothing written when refused");

    let report = case.restore(&[donor, "--allow-other-windows"]);
    let restore = restore_of(&report);
    assert_other_windows(restore, "Windows XP");
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
    case.assert_restored_from(&all_catalogs(Path::new(donor)).selected);
}

fn restoring_an_identical_copy_changes_nothing() {
    let Some(input) = common::hive_path(WIN7) else {
        return;
    };
    let args = ["--json", "--mode", "restore", "--from", "ControlSet002"];
    let (code, json, stderr) = dry_run(&input, &args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json["status"], "nothing_to_do", "{json:#}");
}

fn what_restore_needs_is_asked_for() {
    let Some(input) = common::hive_path(WIN7) else {
        return;
    };
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
        let (code, _, stderr) = dry_run(&input, &args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

fn both_x64_lists_come_back_from_a_donor_of_the_same_build() {
    let relative = "real/win10-1903-x64-dirty/SYSTEM";
    let gap64 = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries64\000000000003";
    let (Some(case), Some(donor)) = (
        damaged_copy(relative, &[gap64]),
        common::hive_path(relative),
    ) else {
        return;
    };
    let report = case.restore(&[donor.to_str().unwrap()]);
    assert_eq!(report["status"], "repaired", "{report:#}");
    case.assert_restored_from(&all_catalogs(&donor).selected);
    assert!(
        all_catalogs(&case.out)
            .selected
            .protocol_catalogs
            .iter()
            .any(|l| l.name == "Catalog_Entries64" && loaded(l).len() == 16)
    );
}

common::registry::register_tests! {
    Hives: [
        a_catalog_gap_is_restored_from_control_set_002_ids_and_vmware_included,
        a_half_removed_lsp_is_restored_away_from_control_set_002,
        last_known_good_names_the_control_set_select_points_at,
        a_donor_hive_of_the_same_windows_is_restored_from_and_only_read,
        a_donor_of_another_family_is_refused_and_with_the_flag_says_what_it_changed,
        restoring_an_identical_copy_changes_nothing,
        what_restore_needs_is_asked_for,
        both_x64_lists_come_back_from_a_donor_of_the_same_build,
    ],
}
