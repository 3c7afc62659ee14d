//! Edited copies of real XP, Windows 7 and Windows 10 hives, checked by the independent peer
//! parsers: every peer must accept the output and agree on its content, and nothing outside
//! `ControlSet001\Services\WinSock2` may change.

use crate::common;

use std::path::Path;

use common::{HiveModel, walk_with_nt_hive};
use winsock_doctor::hive::builder::{KeySpec, ValueSpec, build_hive};
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::filetime::filetime_from_rfc3339;
use winsock_doctor::hive::write_file::write_new_file;

const WINSOCK: &str = "ControlSet001\\Services\\WinSock2";

/// Whether the peer scripts `names` are installed (see [`common::peer_script`]: a loud skip, or
/// a failure under `WINSOCK_DOCTOR_REQUIRE_PEERS=1`).
fn peers_installed(names: &[&str]) -> bool {
    names.iter().all(|name| common::peer_script(name).is_some())
}

/// Run the installed peer script `name` with `args`: its success and its output (also shown).
fn run_peer(name: &str, args: &[&Path]) -> (bool, String) {
    let (ok, text) = common::run_peer_script(name, args)
        .unwrap_or_else(|| panic!("{name}: checked as installed before"));
    eprintln!("{text}");
    (ok, text)
}

/// Apply every kind of edit under the Winsock key and return the new image.
fn edit(mut editor: Editor, before: &HiveModel) -> Vec<u8> {
    let doctor = format!("{WINSOCK}\\Doctor");
    editor
        .create_key(&format!("{doctor}\\Nested\\Deeper"))
        .unwrap();
    editor.set_value(&doctor, "Empty", 3, &[]).unwrap();
    editor.set_value(&doctor, "Three", 3, &[1, 2, 3]).unwrap();
    editor
        .set_value(&doctor, "Dword", 4, &7u32.to_le_bytes())
        .unwrap();
    editor
        .set_value(
            &doctor,
            "",
            1,
            "default\0"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<_>>()
                .as_slice(),
        )
        .unwrap();
    editor
        .set_value(&doctor, "Medium", 3, &[0x5a; 1000])
        .unwrap();
    editor
        .set_value(&doctor, "OneCell", 3, &[0xa5; 16344])
        .unwrap();
    // Big data from hive version 1.4; a 1.3 hive keeps a value in one cell, which readers only
    // accept up to 16344 bytes.
    let big_len = if editor.minor_version() >= 4 {
        100_000
    } else {
        16_000
    };
    let big: Vec<u8> = (0..big_len).map(|i| (i % 251) as u8).collect();
    editor.set_value(&doctor, "Big", 3, &big).unwrap();
    editor.set_value(&doctor, "Gone", 3, &[9; 64]).unwrap();
    assert!(editor.delete_value(&doctor, "gone").unwrap());
    // Replace a value of the real catalog with data of another size, then back to small.
    editor
        .set_value(
            &format!("{WINSOCK}\\Parameters"),
            "Doctor_Test",
            3,
            &[1; 3000],
        )
        .unwrap();
    editor
        .set_value(&format!("{WINSOCK}\\Parameters"), "DOCTOR_TEST", 4, &[2; 4])
        .unwrap();
    // 600 subkeys in a scrambled order: leaves split under an index root.
    let many = format!("{doctor}\\Many");
    for i in 0..600u32 {
        editor
            .create_key(&format!("{many}\\Key{:03}", (i * 7919) % 600))
            .unwrap();
    }
    for i in (0..600u32).step_by(3) {
        assert!(editor.delete_key(&format!("{many}\\KEY{i:03}")).unwrap());
    }
    // Delete a real subtree of the catalog.
    let namespace = format!("{WINSOCK}\\Parameters\\NameSpace_Catalog5");
    let had_namespace = before.contains_key(&namespace.to_uppercase());
    assert_eq!(editor.delete_key(&namespace).unwrap(), had_namespace);
    editor.set_timestamp(filetime_from_rfc3339("2024-01-02T03:04:05Z").unwrap());
    editor.finish()
}

fn check(relative: &str) {
    if !peers_installed(&["validate_hive.sh", "diff_outside.sh"]) {
        return;
    }
    let Some(input) = common::read_hive(relative) else {
        return;
    };
    let input_path = common::hives_dir().unwrap().join(relative);
    let before = walk_with_nt_hive(&input);
    let output = edit(Editor::open(&input).unwrap(), &before);

    let after = walk_with_nt_hive(&output);
    let outside = |m: &HiveModel| -> HiveModel {
        let prefix = WINSOCK.to_uppercase();
        m.iter()
            .filter(|(p, _)| !(**p == prefix || p.starts_with(&format!("{prefix}\\"))))
            .map(|(p, k)| (p.clone(), k.clone()))
            .collect()
    };
    assert_eq!(
        outside(&before),
        outside(&after),
        "{relative}: nothing outside {WINSOCK} changes"
    );
    let doctor = after
        .get(&format!("{WINSOCK}\\DOCTOR").to_uppercase())
        .expect("created key");
    assert_eq!(doctor.values.len(), 7);
    assert!(doctor.values["BIG"].2.len() >= 16_000);
    let many_prefix = format!("{WINSOCK}\\DOCTOR\\MANY\\").to_uppercase();
    assert_eq!(
        after.keys().filter(|p| p.starts_with(&many_prefix)).count(),
        400
    );

    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("SYSTEM");
    write_new_file(&out_path, &output, std::slice::from_ref(&input_path), false).unwrap();
    let dumps = dir.path().join("dumps");
    let (ok, report) = run_peer("validate_hive.sh", &[Path::new("-o"), &dumps, &out_path]);
    assert!(
        ok && report.lines().any(|l| l.starts_with("OVERALL: PASS")),
        "{relative}: peers reject the edited hive"
    );
    let (ok, diff) = run_peer(
        "diff_outside.sh",
        &[&input_path, &out_path, Path::new(WINSOCK)],
    );
    assert!(ok && diff.starts_with("IDENTICAL"), "{relative}: {diff}");
}

fn edited_xp_hive_passes_the_peers() {
    check("real/winxp-sp3-x86-m57/SYSTEM");
}

fn edited_windows7_hive_passes_the_peers() {
    check("real/win7-sp1-x86/SYSTEM");
}

fn edited_windows10_hive_passes_the_peers() {
    check("real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered");
}

fn edited_nt4_hive_passes_the_peers() {
    // Format 1.3: fast leaves, no big data.
    check("real/nt4-sp3-x86-dc/SYSTEM");
}

/// A tree with every kind of content the builder writes.
fn sample_tree() -> KeySpec {
    let value = |name: &str, data_type: u32, len: usize| ValueSpec {
        name: name.to_string(),
        data_type,
        data: (0..len).map(|i| (i % 253) as u8).collect(),
    };
    let key = |name: &str, values: Vec<ValueSpec>, subkeys: Vec<KeySpec>| KeySpec {
        name: name.to_string(),
        values,
        subkeys,
    };
    let many = (0..600)
        .map(|i| key(&format!("Entry{i:04}"), vec![value("n", 4, 4)], vec![]))
        .collect();
    key(
        "ROOT",
        vec![value("", 3, 2)],
        vec![
            key(
                "Ключ",
                vec![value("значение", 3, 100)],
                vec![key("中文", vec![], vec![])],
            ),
            key(
                "Café",
                vec![
                    value("Big", 3, 40_000),
                    value("One", 3, 16_000),
                    value("Empty", 3, 0),
                ],
                vec![],
            ),
            key("Many", vec![], many),
        ],
    )
}

fn built_hives_pass_the_peers() {
    if !peers_installed(&["validate_hive.sh"]) {
        return;
    }
    for minor in [3, 5] {
        let mut tree = sample_tree();
        if minor < 4 {
            // No big data before 1.4, and readers take one cell only up to 16344 bytes.
            tree.subkeys[1].values.remove(0);
        }
        let image = build_hive(
            minor,
            &tree,
            filetime_from_rfc3339("2024-01-02T03:04:05Z").unwrap(),
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let out_path = dir.path().join("BUILT");
        write_new_file(&out_path, &image, &[], false).unwrap();
        let dumps = dir.path().join("dumps");
        let (ok, report) = run_peer("validate_hive.sh", &[Path::new("-o"), &dumps, &out_path]);
        assert!(
            ok && report.lines().any(|l| l.starts_with("OVERALL: PASS")),
            "1.{minor}: peers reject the built hive"
        );
        assert!(report.contains("605 keys"), "1.{minor}: every key is seen");
    }
}

common::registry::register_tests! {
    Nothing: [
        built_hives_pass_the_peers,
    ],
    Hives: [
        edited_xp_hive_passes_the_peers,
        edited_windows7_hive_passes_the_peers,
        edited_windows10_hive_passes_the_peers,
        edited_nt4_hive_passes_the_peers,
    ],
}
