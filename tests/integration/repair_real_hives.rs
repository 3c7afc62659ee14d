//! `repair --mode reset` on copies of the real hives: the Microsoft base providers survive
//! field by field, everything else goes, the result scans healthy, peers accept it and
//! nothing outside the Winsock keys changes; the input and its logs stay byte-identical.

use crate::common;

use std::path::Path;

use common::repair::{
    WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, catalogs, copy_files, entries,
    protocol_list, repair, run,
};
use common::{manifest, sha256_of};
use winsock_doctor::winsock::catalog::ProtocolEntry;
use winsock_doctor::winsock::defaults::is_microsoft_protocol_provider;

/// An entry's PackedCatalogItem with the catalog ID zeroed (IDs are reassigned by reset), and
/// its ProtocolName.
fn without_id(entry: &ProtocolEntry) -> (Vec<u8>, Option<String>) {
    let mut raw = entry.packed_catalog_item_raw.clone().unwrap();
    raw[0x128..0x12C].fill(0);
    (raw, entry.protocol_name_value.clone())
}

fn is_microsoft_base(entry: &ProtocolEntry) -> bool {
    entry
        .item
        .as_ref()
        .is_some_and(|i| i.chain_len == 1 && is_microsoft_protocol_provider(&i.provider_id))
}

/// Reset a copy of `relative`, check it, and return (input copy, output) paths' folder.
fn reset_and_check(relative: &str) {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let manifest = manifest(&hives);
    let facts = common::hive_facts(&manifest, relative);
    let (folder, name) = relative.rsplit_once('/').unwrap();
    let (dir, input) = copy_files(&hives, folder, &[name]);
    let before = sha256_of(&input);
    let out = dir.path().join("SYSTEM.reset");
    // A catalog already in Windows' default state needs nothing: write it anyway to check it.
    let report = repair(&input, &out, &["--mode", "reset", "--always-write"]);
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(sha256_of(&input), before, "the input changed");
    assert_eq!(report["output"]["sha256"], sha256_of(&out));
    assert_eq!(report["input"]["sha256"], before);

    let (old, new) = (catalogs(&input), catalogs(&out));
    // The manifest's Microsoft base entries of the 32-bit list, independently decoded.
    let expected_microsoft = facts["protocol_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["ChainLen"] == 1
                && is_microsoft_protocol_provider(
                    &format!("{{{}}}", e["ProviderId"].as_str().unwrap())
                        .parse()
                        .unwrap(),
                )
        })
        .count();
    for list in &old.selected.protocol_catalogs {
        let kept: Vec<_> = entries(list)
            .into_iter()
            .filter(|e| is_microsoft_base(e))
            .map(without_id)
            .collect();
        let after = protocol_list(&new, &list.name);
        let mut rebuilt: Vec<_> = entries(after).into_iter().map(without_id).collect();
        assert!(
            entries(after).iter().all(|e| is_microsoft_base(e)),
            "{relative} {}: only Microsoft base providers remain",
            list.name
        );
        assert_eq!(kept.len(), expected_microsoft, "{relative} {}", list.name);
        let mut kept = kept;
        kept.sort();
        rebuilt.sort();
        assert_eq!(kept, rebuilt, "{relative} {}: field by field", list.name);
        // IDs from 1001, contiguous keys, counts and the next ID above them.
        let mut ids: Vec<u32> = entries(after)
            .iter()
            .map(|e| e.item.as_ref().unwrap().catalog_entry_id)
            .collect();
        ids.sort();
        assert_eq!(ids, (1001..1001 + ids.len() as u32).collect::<Vec<_>>());
        assert_eq!(after.num_entries, Some(ids.len() as u32));
        assert_eq!(after.entries.len(), ids.len());
        assert_eq!(after.next_catalog_entry_id, Some(1001 + ids.len() as u32));
    }
    // The namespace catalog is kept as it was (netsh does not touch it).
    for (a, b) in old
        .selected
        .namespace_catalogs
        .iter()
        .zip(&new.selected.namespace_catalogs)
    {
        assert_eq!(a.entries, b.entries, "{relative}: namespace catalog kept");
    }
    assert_healthy(&out);
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
}

fn reset_xp_m57_keeps_its_microsoft_providers_with_peers() {
    reset_and_check("real/winxp-sp3-x86-m57/SYSTEM");
}

fn reset_xp_iecompat() {
    reset_and_check("real/winxp-sp3-x86-iecompat/SYSTEM");
}

fn reset_win7_drops_vmware_and_keeps_netbios_with_peers() {
    reset_and_check("real/win7-sp1-x86/SYSTEM");
}

fn reset_nt4() {
    reset_and_check("real/nt4-sp3-x86-dc/SYSTEM");
}

fn reset_win81_dirty_without_logs() {
    reset_and_check("real/win81-x64-dirty/SYSTEM");
}

fn reset_win10_1903_both_catalogs_with_peers() {
    reset_and_check("real/win10-1903-x64-dirty/SYSTEM");
}

fn reset_win10_1709_recovered() {
    reset_and_check("real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered");
}

/// The dirty 1709 hive with its two logs: the output is the replayed hive, repaired, clean,
/// with sequence numbers above every log's, and identical to the independently recovered hive
/// outside the Winsock keys.
fn reset_of_a_dirty_hive_with_logs_writes_a_clean_replayed_hive() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let folder = "real/win10-1709-x64-dirty-with-logs";
    let (dir, input) = copy_files(&hives, folder, &["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"]);
    let logs = [
        dir.path().join("SYSTEM.LOG1"),
        dir.path().join("SYSTEM.LOG2"),
    ];
    let before: Vec<String> = std::iter::once(&input)
        .chain(&logs)
        .map(|p| sha256_of(p))
        .collect();
    let out = dir.path().join("SYSTEM.reset");
    let report = repair(&input, &out, &["--mode", "reset", "--always-write"]);
    let after: Vec<String> = std::iter::once(&input)
        .chain(&logs)
        .map(|p| sha256_of(p))
        .collect();
    assert_eq!(before, after, "the input and its logs are untouched");

    let applied = report["logs"]["replay"]["applied"].as_array().unwrap();
    assert_eq!(applied.len(), 2, "both logs replayed: {report:#}");
    let highest = applied
        .iter()
        .filter_map(|a| a["last_sequence"].as_u64())
        .max()
        .unwrap();
    let to_move: Vec<&str> = report["logs_to_move_aside"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(to_move.len(), 2, "{to_move:?}");

    let bytes = std::fs::read(&out).unwrap();
    let seq1 = u32::from_le_bytes(bytes[4..8].try_into().unwrap());
    let seq2 = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    assert_eq!(seq1, seq2, "clean");
    assert!(
        u64::from(seq1) > highest,
        "{seq1} above the logs' {highest}"
    );
    assert_healthy(&out);
    let recovered = hives.join(folder).join("expected/SYSTEM.recovered");
    assert_written_hive_ok(&recovered, &out, &WINSOCK_KEYS);
}

/// `--dry-run` writes nothing; the same input and arguments give the same bytes; an existing
/// --out is replaced only with --force; the input can never be the output.
fn dry_run_reproducibility_and_refusals() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let (dir, input) = copy_files(&hives, "real/winxp-sp3-x86-m57", &["SYSTEM"]);
    let before = sha256_of(&input);
    let out = dir.path().join("out");
    let reset = ["repair", input.to_str().unwrap(), "--mode", "reset"];
    let reset_to_out = [&reset[..], &["--out", out.to_str().unwrap()]].concat();
    let (code, json, _) = run(&[&reset_to_out[..], &["--dry-run", "--json"]].concat());
    assert_eq!(code, 0);
    assert_eq!(json["status"], "dry_run");
    assert!(
        !json["control_sets"][0]["edits"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(!out.exists(), "--dry-run wrote a file");
    assert_eq!(
        common::files_below(dir.path()),
        std::slice::from_ref(&input)
    );

    repair(&input, &out, &["--mode", "reset"]);
    let first = std::fs::read(&out).unwrap();
    let timestamp = ["--timestamp", "2024-05-01T12:00:00Z"];
    let (code, _, stderr) = run(&[&reset_to_out[..], &timestamp].concat());
    assert_eq!(code, 2, "an existing --out is kept without --force");
    assert!(stderr.contains("--force"), "{stderr}");
    repair(&input, &out, &["--mode", "reset", "--force"]);
    assert_eq!(std::fs::read(&out).unwrap(), first, "byte-identical output");
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);

    let onto_input = ["--out", input.to_str().unwrap(), "--force"];
    let (code, _, stderr) = run(&[&reset[..], &onto_input].concat());
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(sha256_of(&input), before, "the input changed");
}

/// A clean hive needs no structural fix: nothing is written, and the report says so.
fn nothing_to_do_writes_nothing() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let (dir, input) = copy_files(&hives, "real/winxp-sp3-x86-iecompat", &["SYSTEM"]);
    let out = dir.path().join("out");
    let report = repair(&input, &out, &["--mode", "fix"]);
    assert_eq!(report["status"], "nothing_to_do", "{report:#}");
    assert!(!out.exists());
}

/// `--install` on a Windows folder: the original SYSTEM and its logs are backed up beside it,
/// then replaced by the checked repaired hive.
fn install_backs_up_and_replaces_system() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = tempfile::tempdir().unwrap();
    let config = volume
        .path()
        .join("Windows")
        .join("System32")
        .join("config");
    std::fs::create_dir_all(&config).unwrap();
    let system = config.join("SYSTEM");
    std::fs::copy(hives.join("real/winxp-sp3-x86-m57/SYSTEM"), &system).unwrap();
    let original = sha256_of(&system);
    let (code, report, stderr) = run(&[
        "repair",
        volume.path().to_str().unwrap(),
        "--mode",
        "reset",
        "--install",
        "--json",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report["status"], "repaired");
    let backup = Path::new(report["output"]["backup"].as_str().unwrap()).to_path_buf();
    assert_eq!(backup.parent(), Some(config.as_path()));
    assert!(
        backup
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("winsock-doctor-backup-")
    );
    assert_eq!(sha256_of(&backup.join("SYSTEM")), original);
    assert_eq!(sha256_of(&system), report["output"]["sha256"]);
    assert_ne!(sha256_of(&system), original);
    assert!(!config.join("SYSTEM.winsock-doctor-new").exists());
    // Scanned on its own: inside the volume, scan would also look for the provider DLLs, which
    // this fake volume does not have.
    let alone = volume.path().join("installed-SYSTEM");
    std::fs::copy(&system, &alone).unwrap();
    assert_healthy(&alone);
    // The installed hive itself, against the original kept in the backup.
    assert_written_hive_ok(&backup.join("SYSTEM"), &system, &WINSOCK_KEYS);
}

/// The dry run is the real run without the final rename: for every hive of the corpus (bundled,
/// real, zoo) and every mode, `--dry-run` exits as the real run does.
fn the_dry_run_exits_as_the_real_run_on_every_hive_and_mode() {
    let mut hives: Vec<std::path::PathBuf> =
        ["win10-x64-lsp.hive", "win10-x64.hive", "winxp-sp3-x86.hive"]
            .iter()
            .map(|name| Path::new("hives").join(name))
            .collect();
    if let Some(dir) = common::hives_dir() {
        hives.extend(
            common::files_below(&dir.join("real"))
                .into_iter()
                .filter(|p| p.file_name().is_some_and(|n| n == "SYSTEM")),
        );
        hives.extend(
            common::files_below(&dir.join("zoo"))
                .into_iter()
                .filter(|p| {
                    let name = p.to_string_lossy().to_ascii_lowercase();
                    !name.contains(".log") && !name.contains("discovery")
                }),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for (i, hive) in hives.iter().enumerate() {
        for mode in ["reset", "remove-lsp", "fix"] {
            let input = hive.to_str().unwrap();
            let out = dir.path().join(format!("{i}-{mode}"));
            let out = out.to_str().unwrap();
            let args = [
                "repair",
                input,
                "--mode",
                mode,
                "--timestamp",
                "2026-01-01T00:00:00Z",
            ];
            let (dry, _, dry_err) = run(&[&args[..], &["--dry-run"]].concat());
            let (real, _, real_err) = run(&[&args[..], &["--out", out]].concat());
            assert_eq!(
                dry, real,
                "{input} --mode {mode}: dry run exit {dry} ({dry_err}), real run exit {real} ({real_err})"
            );
            compared += 1;
        }
    }
    assert!(compared >= 9, "compared {compared} runs");
}

common::registry::register_tests! {
    Hives: [
        reset_xp_m57_keeps_its_microsoft_providers_with_peers,
        reset_xp_iecompat,
        reset_win7_drops_vmware_and_keeps_netbios_with_peers,
        reset_nt4,
        reset_win81_dirty_without_logs,
        reset_win10_1903_both_catalogs_with_peers,
        reset_win10_1709_recovered,
        reset_of_a_dirty_hive_with_logs_writes_a_clean_replayed_hive,
        dry_run_reproducibility_and_refusals,
        nothing_to_do_writes_nothing,
        install_backs_up_and_replaces_system,
        the_dry_run_exits_as_the_real_run_on_every_hive_and_mode,
    ],
}
