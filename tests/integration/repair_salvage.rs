//! `repair --salvage`: a fresh hive rebuilt from everything readable. Whole hives (real, replayed
//! and bundled) come out with nothing lost and nothing else different; damaged ones come out
//! valid with every loss listed (path, offset, why), or are refused with a clear error.

use crate::common;

use std::path::{Path, PathBuf};

use common::cli::{array, doctor};
use common::repair::{WINSOCK_KEYS, copy_files, repair, run, scan};
use common::{assert_peers_pass, assert_unchanged_outside, hives_dir, walk_with_nt_hive};
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::salvage::salvage;

/// A key no hive has: `diff_outside.sh` then compares everything.
const NOTHING: &str = "(nothing may change)";

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

/// `repair INPUT --salvage` into a temp folder: (folder, output, JSON document).
fn salvage_cli(input: &Path, extra: &[&str]) -> (tempfile::TempDir, PathBuf, Value) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SYSTEM.salvaged");
    let mut args = vec!["--salvage"];
    args.extend_from_slice(extra);
    let json = repair(input, &out, &args);
    (dir, out, json)
}

/// Salvage `input` and check that nothing was lost: no part dropped, peers accept the output,
/// and it holds exactly what `before` (the input, or its replayed state) holds.
fn assert_salvaged_whole(input: &Path, before: &Path) {
    let (_dir, out, json) = salvage_cli(input, &[]);
    assert_eq!(json["status"], "repaired");
    assert_eq!(json["salvage"]["dropped_count"], 0, "{:#}", json["salvage"]);
    assert!(json["salvage"]["keys"].as_u64().unwrap() > 1);
    assert_peers_pass(&out);
    assert_unchanged_outside(before, &out, &[NOTHING]);
}

fn bundled_hives_are_salvaged_with_nothing_lost() {
    for name in ["win10-x64.hive", "win10-x64-lsp.hive", "winxp-sp3-x86.hive"] {
        assert_salvaged_whole(&bundled(name), &bundled(name));
    }
}

fn clean_and_dirty_real_hives_are_salvaged_with_nothing_lost() {
    let Some(hives) = hives_dir() else { return };
    for folder in [
        "win7-sp1-x86",
        "winxp-sp3-x86-m57",
        "winxp-sp3-x86-iecompat",
        "nt4-sp3-x86-dc",
        // Dirty without logs: the primary as it is.
        "win81-x64-dirty",
        "win10-1903-x64-dirty",
    ] {
        let system = hives.join("real").join(folder).join("SYSTEM");
        assert_salvaged_whole(&system, &system);
    }
}

fn a_dirty_hive_is_salvaged_after_its_logs_are_replayed() {
    let Some(hives) = hives_dir() else { return };
    let folder = "real/win10-1709-x64-dirty-with-logs";
    let (_copy, system) = copy_files(&hives, folder, &["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"]);
    let replayed = hives.join(folder).join("expected/SYSTEM.recovered");
    assert_salvaged_whole(&system, &replayed);
}

fn the_damaged_xp_hive_is_salvaged_with_its_losses_listed_and_scan_tells_winsock_is_gone() {
    let Some(hives) = hives_dir() else { return };
    let system = hives.join("real/winxp-sp3-x86-damaged/SYSTEM");
    let (_dir, out, json) = salvage_cli(&system, &[]);
    let dropped = json["salvage"]["dropped"].as_array().unwrap();
    assert_eq!(json["salvage"]["dropped_count"], dropped.len());
    assert!(dropped.len() > 100, "{}", dropped.len());
    for d in dropped {
        assert!(d["offset"].as_u64().is_some(), "{d}");
        assert!(!d["reason"].as_str().unwrap().is_empty(), "{d}");
    }
    // The zeroed bins are named: the keys under Services that lived there are listed.
    assert!(dropped.iter().any(|d| {
        d["what"] == "key"
            && d["path"]
                .as_str()
                .unwrap()
                .starts_with(r"ControlSet001\Services\")
            && d["reason"]
                .as_str()
                .unwrap()
                .contains("no readable hive bin")
    }));
    assert_peers_pass(&out);
    let (code, scanned) = scan(&out);
    assert_eq!(code, 1);
    let codes: Vec<&str> = array(&scanned, "findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"winsock2_key_missing"), "{codes:?}");

    // The table lists the losses too.
    let dir = tempfile::tempdir().unwrap();
    let table_out = dir.path().join("SYSTEM.salvaged");
    let output = doctor()
        .args(["repair", system.to_str().unwrap(), "--salvage", "--out"])
        .arg(&table_out)
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains(&format!("left out: {}", dropped.len())),
        "{text}"
    );
    assert!(text.contains("key and subtree"), "{text}");

    // With a mode, the reset recreates what was lost of Winsock, on the salvaged image.
    let (_dir, reset, json) = salvage_cli(&system, &["--mode", "reset"]);
    assert_eq!(json["salvage"]["dropped_count"], dropped.len());
    assert_peers_pass(&reset);
    assert_eq!(scan(&reset).0, 0, "the reset hive scans healthy");
}

/// The issue's reproduction: the LSP's hidden entry lists a value of namespace entry 5. The
/// salvage keeps the value where it was read first and drops the second use, so removing the
/// LSP frees nothing another key needs.
fn salvage_then_remove_lsp_on_a_value_shared_between_two_keys() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("shared-value.hive");
    let mut bytes = std::fs::read(bundled("win10-x64-lsp.hive")).unwrap();
    bytes[0x9fe8..0x9fec].copy_from_slice(&[0xe8, 0xa8, 0, 0]);
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.path().join("out.hive");
    let json = repair(&input, &out, &["--salvage", "--mode", "remove-lsp"]);
    let dropped = json["salvage"]["dropped"].as_array().unwrap();
    assert_eq!(dropped.len(), 1, "{dropped:#?}");
    assert_eq!(dropped[0]["what"], "value");
    assert!(
        dropped[0]["path"]
            .as_str()
            .unwrap()
            .ends_with(r"Catalog_Entries64\000000000016")
    );
    let written = std::fs::read(&out).unwrap();
    walk_with_nt_hive(&written);
    assert_peers_pass(&out);
    let mut allowed = WINSOCK_KEYS.to_vec();
    allowed.push(NOTHING);
    assert_unchanged_outside(&input, &out, &allowed);

    // A dry run lists the same loss and writes nothing.
    let dry = dir.path().join("dry.hive");
    let salvage = ["repair", input.to_str().unwrap(), "--salvage", "--dry-run", "--json"];
    let (code, json, _) = run(&[&salvage[..], &["--out", dry.to_str().unwrap()]].concat());
    assert_eq!(code, 0);
    assert_eq!(json["status"], "dry_run");
    assert_eq!(json["salvage"]["dropped_count"], 1);
    assert!(!dry.exists());
}

/// Whether the peers accept `hive` (`None` without peers).
fn peers_accept(hive: &Path) -> Option<bool> {
    common::peers_verdict(hive).map(|verdict| verdict.is_ok())
}

/// The zoo's hives (damaged, odd or not SYSTEM at all) through the library: a clear error, or
/// a hive nt-hive reads whole and the peers accept. Names the peers themselves read in
/// different ways (Latin-1 bytes above 0x7F, surrogate pairs, an order only the regf crate
/// disputes) are kept as Windows reads them: such an output may differ between peers only
/// when the input does too. The CLI refuses those that are not SYSTEM hives.
fn zoo_hives_salvage_to_a_valid_hive_or_a_clear_error() {
    let Some(hives) = hives_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut salvaged = 0;
    for path in common::files_below(&hives.join("zoo")) {
        let name = path.file_name().unwrap().to_string_lossy().to_lowercase();
        if name.contains(".log") || name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        match salvage(&bytes) {
            Err(e) => assert!(!e.message.is_empty(), "{}", path.display()),
            Ok(s) => {
                salvaged += 1;
                walk_with_nt_hive(&s.bytes);
                Editor::open(&s.bytes).unwrap();
                let out = dir.path().join(format!("{salvaged}.hive"));
                std::fs::write(&out, &s.bytes).unwrap();
                if peers_accept(&out) == Some(false) {
                    assert_eq!(
                        peers_accept(&path),
                        Some(false),
                        "the peers reject the salvage of {} but accept the input",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(salvaged > 20, "{salvaged}");
}

/// A small deterministic generator: the seeds make every run the same.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// 300 seeded mutations of the bundled hives (bytes flipped, words zeroed or set to offsets of
/// other cells): salvage never panics and writes a hive that nt-hive walks whole, the editor
/// opens and a second salvage finds nothing to drop in; the peers check every 25th.
fn mutated_hives_salvage_to_whole_hives() {
    let dir = tempfile::tempdir().unwrap();
    let originals: Vec<Vec<u8>> = ["win10-x64-lsp.hive", "winxp-sp3-x86.hive"]
        .iter()
        .map(|n| std::fs::read(bundled(n)).unwrap())
        .collect();
    let (mut refused, mut lossy) = (0, 0);
    for seed in 1..=300u64 {
        let mut rng = XorShift(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut bytes = originals[seed as usize % originals.len()].clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = 4096 + (rng.next() as usize % (bytes.len() - 4100)) / 4 * 4;
            match rng.next() % 4 {
                0 => bytes[at] ^= 1 << (rng.next() % 8),
                1 => bytes[at..at + 4].fill(0),
                2 => bytes[at..at + 4].copy_from_slice(&(rng.next() as u32 % 0xc000).to_le_bytes()),
                _ => bytes[at..at + 4].fill(0xff),
            }
        }
        let salvaged = match salvage(&bytes) {
            Ok(s) => s,
            Err(_) => {
                refused += 1;
                continue;
            }
        };
        lossy += usize::from(!salvaged.dropped.is_empty());
        walk_with_nt_hive(&salvaged.bytes);
        Editor::open(&salvaged.bytes).unwrap();
        let again = salvage(&salvaged.bytes).unwrap();
        assert!(again.dropped.is_empty(), "seed {seed}: {:?}", again.dropped);
        if seed % 25 == 0 {
            let out = dir.path().join(format!("{seed}.hive"));
            std::fs::write(&out, &salvaged.bytes).unwrap();
            assert_peers_pass(&out);
        }
    }
    eprintln!("300 mutated hives: {refused} refused, {lossy} salvaged with losses");
}

common::registry::register_tests! {
    Nothing: [
        bundled_hives_are_salvaged_with_nothing_lost,
        salvage_then_remove_lsp_on_a_value_shared_between_two_keys,
        mutated_hives_salvage_to_whole_hives,
    ],
    Hives: [
        clean_and_dirty_real_hives_are_salvaged_with_nothing_lost,
        a_dirty_hive_is_salvaged_after_its_logs_are_replayed,
        the_damaged_xp_hive_is_salvaged_with_its_losses_listed_and_scan_tells_winsock_is_gone,
        zoo_hives_salvage_to_a_valid_hive_or_a_clear_error,
    ],
}
