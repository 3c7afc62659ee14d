//! The machine's own history: `scan` of a volume lists the older copies of the Winsock
//! configuration (other control sets, RegBack, XP restore points, Windows.old...) with their
//! dates and health, and `repair --mode restore --from auto` puts back the newest healthy one
//! of the same Windows. The volumes are built in temporary folders from the real hives.

use crate::common;

use std::path::{Path, PathBuf};

#[cfg(unix)] // only the symlink test uses it
use common::cli::items_where;
use common::cli::{array, doctor};
use common::repair::{WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, catalogs, repair, run};
use common::restore::{
    GAP, assert_other_windows, assert_source_contains, assert_source_starts_with, restore_of, stored_entries, without_keys,
};
use common::software::windows7_software;
use serde_json::Value;

const WIN7: &str = "real/win7-sp1-x86/SYSTEM";
const XP: &str = "real/winxp-sp3-x86-m57/SYSTEM";
/// Where the current hive of Windows Vista and later is, and its RegBack copy.
const SYSTEM: &[&str] = &["Windows", "System32", "config", "SYSTEM"];
const REGBACK: &[&str] = &["Windows", "System32", "config", "RegBack", "SYSTEM"];
/// Where the current hive of Windows XP is.
const XP_SYSTEM: &[&str] = &["WINDOWS", "system32", "config", "system"];
const AUTO: [&str; 4] = ["--mode", "restore", "--from", "auto"];

/// A volume in a temporary folder, built from the real hives.
struct Volume {
    dir: tempfile::TempDir,
    hives: PathBuf,
}

impl Volume {
    /// An empty volume; `None` (the test skips) without the real hives.
    fn new() -> Option<Self> {
        Some(Self {
            hives: common::hives_dir()?,
            dir: tempfile::tempdir().unwrap(),
        })
    }

    /// A volume whose current hive, at `parts`, is the real hive `relative` with a [`GAP`]:
    /// the volume and that hive's path.
    fn damaged(relative: &str, parts: &[&str]) -> Option<(Self, PathBuf)> {
        let volume = Self::new()?;
        let system = volume.put(parts, &without_keys(&volume.real(relative), &[GAP]));
        Some((volume, system))
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// The real hive `relative`, as stored.
    fn real(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.hives.join(relative)).expect("read hive")
    }

    /// Write `bytes` at `parts` below the root, creating the folders.
    fn put(&self, parts: &[&str], bytes: &[u8]) -> PathBuf {
        let path: PathBuf = parts
            .iter()
            .fold(self.root().to_path_buf(), |p, part| p.join(part));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// What `scan VOLUME --json` lists as history.
    fn history(&self) -> Value {
        let (code, json, stderr) = run(&["scan", self.root().to_str().unwrap(), "--json"]);
        assert!(code == 0 || code == 1, "{stderr}");
        json["history"].clone()
    }

    /// `repair VOLUME --mode restore --from auto`, its output beside the volume's files.
    fn repair_auto(&self) -> (Value, PathBuf) {
        let out = self.root().join("SYSTEM.restored");
        (repair(self.root(), &out, &AUTO), out)
    }

    /// [`Volume::repair_auto`]: its report, after checking the output against `chosen` and the
    /// current hive `system`.
    fn restore_auto(&self, system: &Path, chosen: &Path) -> Value {
        let (report, out) = self.repair_auto();
        assert_eq!(report["status"], "repaired", "{report:#}");
        assert_eq!(
            stored_entries(&catalogs(&out).selected),
            stored_entries(&catalogs(chosen).selected),
            "the result's catalogs are the source's"
        );
        assert_healthy(&out);
        assert_written_hive_ok(system, &out, &WINSOCK_KEYS);
        report
    }
}

fn candidate<'h>(history: &'h Value, kind: &str) -> &'h Value {
    array(history, "candidates")
        .iter()
        .find(|c| c["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} candidate: {history:#}"))
}

fn a_healthy_regback_copy_is_listed_and_chosen_by_auto() {
    let Some((volume, system)) = Volume::damaged(WIN7, SYSTEM) else {
        return;
    };
    let regback = volume.put(REGBACK, &volume.real(WIN7));
    let empty = volume.put(
        &["Windows.old", "Windows", "System32", "config", "SYSTEM"],
        b"",
    );

    let history = volume.history();
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
    let (_, text, _) = text_scan(volume.root());
    assert!(text.contains("Known-good candidates"), "{text}");
    assert!(text.contains("RegBack"), "{text}");

    volume.put(&["Windows", "System32", "mswsock.dll"], b"MZ");
    let report = volume.restore_auto(&system, &regback);
    assert_source_contains(&report, "RegBack");
    // The cost: the DLLs the copy names that are not on the volume (VMware Tools is not).
    let missing: Vec<&str> = restore_of(&report)["missing_dlls"]
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
    let output = doctor()
        .args(["scan", path.to_str().unwrap()])
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn an_xp_restore_point_snapshot_is_listed_and_chosen_by_auto() {
    let Some((volume, system)) = Volume::damaged(XP, XP_SYSTEM) else {
        return;
    };
    let snapshot = volume.put(
        &[
            "System Volume Information",
            "_restore{4A3E7C1B-0C41-4C8E-9A8F-2B1D3E5F6A70}",
            "RP12",
            "snapshot",
            "_REGISTRY_MACHINE_SYSTEM",
        ],
        &volume.real(XP),
    );

    let history = volume.history();
    let found = candidate(&history, "restore_point");
    assert_eq!(found["healthy"], true, "{found:#}");
    assert_eq!(found["windows"], "Windows XP / Server 2003");
    assert!(found["file_modified"].as_str().unwrap().starts_with("20"));
    assert_eq!(history["candidates"][0]["kind"], "restore_point");

    let report = volume.restore_auto(&system, &snapshot);
    assert_source_contains(&report, "_REGISTRY_MACHINE_SYSTEM");
}

fn auto_passes_over_a_copy_of_another_windows() {
    // An XP RegBack beside a damaged Windows 7 hive: listed, marked, never chosen.
    let Some((volume, _)) = Volume::damaged(WIN7, SYSTEM) else {
        return;
    };
    volume.put(REGBACK, &volume.real(XP));
    let history = volume.history();
    let found = candidate(&history, "reg_back");
    assert_other_windows(found, "Windows XP");
    let (report, _) = volume.repair_auto();
    assert_source_starts_with(&report, "ControlSet002");
}

fn scan_of_a_hive_file_lists_its_control_sets_with_history() {
    let Some(hive) = common::hive_path("real/winxp-sp3-x86-iecompat/SYSTEM") else {
        return;
    };
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
fn a_link_leading_off_the_volume_is_not_followed_and_is_said() {
    let Some((volume, _)) = Volume::damaged(WIN7, SYSTEM) else {
        return;
    };
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("SYSTEM"), volume.real(WIN7)).unwrap();
    std::os::unix::fs::symlink(
        elsewhere.path(),
        volume.root().join("Windows/System32/config/RegBack"),
    )
    .unwrap();
    let history = volume.history();
    assert!(
        items_where(&history, "candidates", "kind", "reg_back").is_empty(),
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

fn a_restore_installs_as_every_repair_does_and_restore_undoes_it() {
    let Some((volume, system)) = Volume::damaged(WIN7, SYSTEM) else {
        return;
    };
    let damaged_sha = common::sha256_of(&system);
    let regback = volume.put(REGBACK, &volume.real(WIN7));
    let root = volume.root().to_str().unwrap();
    let mut args = vec!["repair", root];
    args.extend(AUTO);
    args.extend(["--install", "--json"]);
    let (code, report, stderr) = run(&args);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(
        stored_entries(&catalogs(&system).selected),
        stored_entries(&catalogs(&regback).selected)
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
    let history = volume.history();
    let backup = candidate(&history, "tool_backup");
    assert_eq!(backup["healthy"], false, "{backup:#}");

    let (code, _, stderr) = run(&["restore", root]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(common::sha256_of(&system), damaged_sha);
}

fn the_repair_folder_and_windows_old_are_listed() {
    let Some(volume) = Volume::new() else {
        return;
    };
    let xp = volume.real(XP);
    volume.put(XP_SYSTEM, &xp);
    volume.put(&["WINDOWS", "repair", "SYSTEM"], &xp);
    volume.put(
        &["Windows.old", "WINDOWS", "System32", "config", "SYSTEM"],
        &volume.real(WIN7),
    );
    let history = volume.history();
    let repair_folder = candidate(&history, "repair_folder");
    assert_eq!(repair_folder["healthy"], true, "{repair_folder:#}");
    assert_eq!(repair_folder["other_windows"], Value::Null);
    let windows_old = candidate(&history, "windows_old");
    assert_other_windows(windows_old, "Windows Vista / 7");
}

fn a_copy_of_another_build_is_told_by_the_software_saved_with_it() {
    // Windows.old of Windows 7 RTM (7600) beside a damaged Windows 7 SP1 (7601): the SYSTEM
    // hives alone look alike; each SOFTWARE tells the build.
    let Some((volume, system)) = Volume::damaged(WIN7, SYSTEM) else {
        return;
    };
    let config = system.parent().unwrap();
    std::fs::write(config.join("SOFTWARE"), windows7_software(7601)).unwrap();
    let old = ["Windows.old", "Windows", "System32", "config"];
    let old_system = volume.put(&[&old[..], &["SYSTEM"]].concat(), &volume.real(WIN7));
    volume.put(
        &[&old[..], &["SOFTWARE"]].concat(),
        &windows7_software(7600),
    );
    let history = volume.history();
    assert_other_windows(candidate(&history, "windows_old"), "build 7600");
    let (report, _) = volume.repair_auto();
    assert_source_starts_with(&report, "ControlSet002");
    // Named, it is refused unless another Windows is allowed.
    let out = volume.root().join("SYSTEM.from-old");
    let from = ["--mode", "restore", "--from", old_system.to_str().unwrap()];
    let (code, _, stderr) = run(&[
        &[
            "repair",
            volume.root().to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ][..],
        &from[..],
    ]
    .concat());
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("build 7600"), "{stderr}");
    let allowed = repair(
        volume.root(),
        &out,
        &[&from[..], &["--allow-other-windows"]].concat(),
    );
    assert_eq!(allowed["status"], "repaired", "{allowed:#}");
}

common::registry::register_tests! {
    Hives: [
        a_healthy_regback_copy_is_listed_and_chosen_by_auto,
        an_xp_restore_point_snapshot_is_listed_and_chosen_by_auto,
        auto_passes_over_a_copy_of_another_windows,
        #[cfg(unix)] a_link_leading_off_the_volume_is_not_followed_and_is_said,
        a_restore_installs_as_every_repair_does_and_restore_undoes_it,
        the_repair_folder_and_windows_old_are_listed,
        scan_of_a_hive_file_lists_its_control_sets_with_history,
        a_copy_of_another_build_is_told_by_the_software_saved_with_it,
    ],
}
