//! The machine's own history: `scan` of a volume lists the older copies of the Winsock
//! configuration (other control sets, RegBack, XP restore points, Windows.old...) with their
//! dates and health, and `repair --mode restore --from auto` puts back the newest healthy one
//! of the same Windows. The volumes are built in temporary folders from the real hives.

mod common;

use std::path::{Path, PathBuf};

use common::repair::{WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, repair, run};
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor::winsock::catalog::ControlSetCatalogs;
use winsock_doctor::winsock::diagnose::loaded;

const GAP: &str =
    r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries\000000000005";

/// The real hive `relative`, with a gap in its current catalog.
fn damaged(hives: &Path, relative: &str) -> Vec<u8> {
    let bytes = std::fs::read(hives.join(relative)).expect("read hive");
    let mut editor = Editor::open(&bytes).expect("open in the editor");
    assert!(editor.delete_key(GAP).expect("delete"));
    editor.finish()
}

/// Write `bytes` at `parts` below `root`, creating the folders.
fn put(root: &Path, parts: &[&str], bytes: &[u8]) -> PathBuf {
    let path: PathBuf = parts
        .iter()
        .fold(root.to_path_buf(), |p, part| p.join(part));
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn selected(path: &Path) -> ControlSetCatalogs {
    let options = LogOptions {
        no_logs: true,
        logs: Vec::new(),
    };
    OpenedHive::open(path, options)
        .unwrap()
        .catalogs(None, false)
        .unwrap()
        .selected
}

/// Every loaded entry of both catalogs as stored (the IDs are in the PackedCatalogItem).
fn stored_entries(cs: &ControlSetCatalogs) -> Vec<String> {
    let protocol = cs.protocol_catalogs.iter().flat_map(|l| {
        loaded(l)
            .into_iter()
            .map(move |e| format!("{} {} {:?}", l.name, e.key, e.values))
    });
    let namespace = cs.namespace_catalogs.iter().flat_map(|l| {
        loaded(l)
            .into_iter()
            .map(move |e| format!("ns {} {} {:?}", l.name, e.key, e.values))
    });
    protocol.chain(namespace).collect()
}

fn history(volume: &Path) -> Value {
    let (code, json, stderr) = run(&["scan", volume.to_str().unwrap(), "--json"]);
    assert!(code == 0 || code == 1, "{stderr}");
    json["history"].clone()
}

fn candidate<'h>(history: &'h Value, kind: &str) -> &'h Value {
    history["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} candidate: {history:#}"))
}

/// `repair VOLUME --mode restore --from auto`: the source it chose, after checking the output.
fn restore_auto(volume: &Path, system: &Path, chosen: &Path) -> Value {
    let out = volume.join("SYSTEM.restored");
    let report = repair(volume, &out, &["--mode", "restore", "--from", "auto"]);
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(
        stored_entries(&selected(&out)),
        stored_entries(&selected(chosen)),
        "the result's catalogs are the source's"
    );
    assert_healthy(&out);
    assert_written_hive_ok(system, &out, &WINSOCK_KEYS);
    report["control_sets"][0]["restore"].clone()
}

#[test]
fn a_healthy_regback_copy_is_listed_and_chosen_by_auto() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let root = volume.path();
    let win7 = "real/win7-sp1-x86/SYSTEM";
    let system = put(
        root,
        &["Windows", "System32", "config", "SYSTEM"],
        &damaged(&hives, win7),
    );
    let regback = put(
        root,
        &["Windows", "System32", "config", "RegBack", "SYSTEM"],
        &std::fs::read(hives.join(win7)).unwrap(),
    );
    let empty = put(
        root,
        &["Windows.old", "Windows", "System32", "config", "SYSTEM"],
        b"",
    );

    let history = history(root);
    let found = candidate(&history, "reg_back");
    assert_eq!(found["healthy"], true, "{found:#}");
    assert!(found["winsock_written"].as_str().unwrap().starts_with("20"));
    assert!(found["file_modified"].as_str().unwrap().starts_with("20"));
    assert_eq!(found["other_windows"], Value::Null);
    assert_eq!(history["candidates"][0]["kind"], "reg_back", "newest first");
    assert_eq!(
        candidate(&history, "control_set")["location"],
        "ControlSet002"
    );
    let skipped = history["skipped"].as_array().unwrap();
    assert!(
        skipped.iter().any(|s| s["path"] == empty.to_str().unwrap()
            && s["reason"].as_str().unwrap().contains("0 bytes")),
        "{history:#}"
    );
    let (_, text, _) = text_scan(root);
    assert!(text.contains("Known-good candidates"), "{text}");
    assert!(text.contains("RegBack"), "{text}");

    put(root, &["Windows", "System32", "mswsock.dll"], b"MZ");
    let restore = restore_auto(root, &system, &regback);
    assert!(
        restore["source"].as_str().unwrap().contains("RegBack"),
        "{restore:#}"
    );
    // The cost: the DLLs the copy names that are not on the volume (VMware Tools is not).
    let missing: Vec<&str> = restore["missing_dlls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        missing.iter().any(|d| d.ends_with("vsocklib.dll")),
        "{missing:?}"
    );
    assert!(
        !missing
            .iter()
            .any(|d| d.to_ascii_lowercase().ends_with("mswsock.dll")),
        "{missing:?}"
    );
}

fn text_scan(path: &Path) -> (i32, String, String) {
    let output = assert_cmd::Command::cargo_bin("winsock-doctor")
        .unwrap()
        .args(["scan", path.to_str().unwrap()])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_xp_restore_point_snapshot_is_listed_and_chosen_by_auto() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let root = volume.path();
    let xp = "real/winxp-sp3-x86-m57/SYSTEM";
    let system = put(
        root,
        &["WINDOWS", "system32", "config", "system"],
        &damaged(&hives, xp),
    );
    let snapshot = put(
        root,
        &[
            "System Volume Information",
            "_restore{4A3E7C1B-0C41-4C8E-9A8F-2B1D3E5F6A70}",
            "RP12",
            "snapshot",
            "_REGISTRY_MACHINE_SYSTEM",
        ],
        &std::fs::read(hives.join(xp)).unwrap(),
    );

    let history = history(root);
    let found = candidate(&history, "restore_point");
    assert_eq!(found["healthy"], true, "{found:#}");
    assert_eq!(found["windows"], "Windows XP / Server 2003");
    assert!(found["file_modified"].as_str().unwrap().starts_with("20"));
    assert_eq!(history["candidates"][0]["kind"], "restore_point");

    let restore = restore_auto(root, &system, &snapshot);
    assert!(
        restore["source"]
            .as_str()
            .unwrap()
            .contains("_REGISTRY_MACHINE_SYSTEM"),
        "{restore:#}"
    );
}

#[test]
fn auto_passes_over_a_copy_of_another_windows() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let root = volume.path();
    // An XP RegBack beside a damaged Windows 7 hive: listed, marked, never chosen.
    put(
        root,
        &["Windows", "System32", "config", "SYSTEM"],
        &damaged(&hives, "real/win7-sp1-x86/SYSTEM"),
    );
    put(
        root,
        &["Windows", "System32", "config", "RegBack", "SYSTEM"],
        &std::fs::read(hives.join("real/winxp-sp3-x86-m57/SYSTEM")).unwrap(),
    );
    let history = history(root);
    let found = candidate(&history, "reg_back");
    assert!(
        found["other_windows"]
            .as_str()
            .unwrap()
            .contains("Windows XP"),
        "{found:#}"
    );
    let out = root.join("SYSTEM.restored");
    let report = repair(root, &out, &["--mode", "restore", "--from", "auto"]);
    assert!(
        report["control_sets"][0]["restore"]["source"]
            .as_str()
            .unwrap()
            .starts_with("ControlSet002"),
        "{report:#}"
    );
}

#[test]
fn scan_of_a_hive_file_lists_its_control_sets_with_history() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let hive = hives.join("real/winxp-sp3-x86-iecompat/SYSTEM");
    let (code, json, stderr) = run(&["scan", hive.to_str().unwrap(), "--json", "--history"]);
    assert_eq!(code, 0, "{stderr}");
    let found = candidate(&json["history"], "control_set");
    assert_eq!(found["healthy"], true);
    assert!(found["winsock_written"].as_str().unwrap().starts_with("20"));
    let (code, json, _) = run(&["scan", hive.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0);
    assert!(
        json.get("history").is_none(),
        "only when asked for a hive file"
    );
}

#[cfg(unix)]
#[test]
fn a_link_leading_off_the_volume_is_not_followed_and_is_said() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let root = volume.path();
    put(
        root,
        &["Windows", "System32", "config", "SYSTEM"],
        &damaged(&hives, "real/win7-sp1-x86/SYSTEM"),
    );
    put(
        elsewhere.path(),
        &["SYSTEM"],
        &std::fs::read(hives.join("real/win7-sp1-x86/SYSTEM")).unwrap(),
    );
    std::os::unix::fs::symlink(
        elsewhere.path(),
        root.join("Windows/System32/config/RegBack"),
    )
    .unwrap();
    let history = history(root);
    assert!(
        !history["candidates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "reg_back"),
        "{history:#}"
    );
    assert!(
        history["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["reason"].as_str().unwrap().contains("outside")),
        "{history:#}"
    );
}

#[test]
fn a_restore_installs_as_every_repair_does_and_restore_undoes_it() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let root = volume.path();
    let win7 = "real/win7-sp1-x86/SYSTEM";
    let damaged = damaged(&hives, win7);
    let system = put(root, &["Windows", "System32", "config", "SYSTEM"], &damaged);
    let damaged_sha = common::sha256_of(&system);
    let regback = put(
        root,
        &["Windows", "System32", "config", "RegBack", "SYSTEM"],
        &std::fs::read(hives.join(win7)).unwrap(),
    );
    let (code, report, stderr) = run(&[
        "repair",
        root.to_str().unwrap(),
        "--mode",
        "restore",
        "--from",
        "auto",
        "--install",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(
        stored_entries(&selected(&system)),
        stored_entries(&selected(&regback))
    );
    let manifest: Value = serde_json::from_slice(
        &std::fs::read(report["output"]["manifest"].as_str().unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(
        manifest["changes"]["modes"][0], "restore --from auto",
        "{manifest:#}"
    );
    // The backup is listed as a candidate now, damaged, and never chosen.
    let history = history(root);
    let backup = candidate(&history, "tool_backup");
    assert_eq!(backup["healthy"], false, "{backup:#}");

    let (code, _, stderr) = run(&["restore", root.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(common::sha256_of(&system), damaged_sha);
}

#[test]
fn the_repair_folder_and_windows_old_are_listed() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let root = volume.path();
    let xp = std::fs::read(hives.join("real/winxp-sp3-x86-m57/SYSTEM")).unwrap();
    put(root, &["WINDOWS", "system32", "config", "system"], &xp);
    put(root, &["WINDOWS", "repair", "SYSTEM"], &xp);
    let old = std::fs::read(hives.join("real/win7-sp1-x86/SYSTEM")).unwrap();
    put(
        root,
        &["Windows.old", "WINDOWS", "System32", "config", "SYSTEM"],
        &old,
    );
    let history = history(root);
    let repair_folder = candidate(&history, "repair_folder");
    assert_eq!(repair_folder["healthy"], true, "{repair_folder:#}");
    assert_eq!(repair_folder["other_windows"], Value::Null);
    let windows_old = candidate(&history, "windows_old");
    assert!(
        windows_old["other_windows"]
            .as_str()
            .unwrap()
            .contains("Windows Vista / 7"),
        "{windows_old:#}"
    );
}
