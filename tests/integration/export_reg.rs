//! `export --reg` round trip: the .reg file of each real hive's Winsock keys, merged into an empty
//! hive by an independent tool (hivexregedit --merge), gives exactly the original keys and values.
//! The truth is read with nt-hive from the original file (for a hive with logs: the manifest's
//! independently recovered copy).

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{KeyModel, upper};
use winsock_doctor::hive::builder::{KeySpec, build_hive};

const HIVEXREGEDIT: &str = "/usr/bin/hivexregedit";

/// Every key at and below `path` (uppercased path -> key), read with nt-hive; empty when missing.
fn subtree(bytes: &[u8], path: &str) -> Vec<(String, KeyModel)> {
    // Dirty hives (without logs) have unequal sequence numbers: read them as they are.
    let hive = nt_hive::Hive::without_validation(bytes).expect("nt-hive reads the header");
    let root = hive.root_key_node().unwrap();
    let Some(top) = root.subpath(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack = vec![(upper(path), top.unwrap())];
    while let Some((key_path, key)) = stack.pop() {
        let mut model = KeyModel {
            name: key.name().unwrap().to_string_lossy(),
            ..KeyModel::default()
        };
        if let Some(values) = key.values() {
            for value in values.unwrap() {
                let value = value.unwrap();
                let name = value.name().unwrap().to_string_lossy();
                let data_type = value.data_type().map_or(common::UNKNOWN_TYPE, |t| t as u32);
                let data = value.data().unwrap().into_vec().unwrap();
                model.values.insert(upper(&name), (name, data_type, data));
            }
        }
        if let Some(subkeys) = key.subkeys() {
            for child in subkeys.unwrap() {
                let child = child.unwrap();
                let name = child.name().unwrap().to_string_lossy();
                stack.push((format!(r"{key_path}\{}", upper(&name)), child));
            }
        }
        out.push((key_path, model));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The regedit file as hivexregedit reads it: UTF-8 with LF line ends.
fn as_utf8_lf(reg: &[u8]) -> String {
    assert_eq!(&reg[..2], &[0xFF, 0xFE], "a UTF-16LE byte order mark");
    let units: Vec<u16> = reg[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(
        !text.replace("\r\n", "").contains('\n'),
        "CRLF line ends only"
    );
    text.replace("\r\n", "\n")
}

/// An otherwise empty hive holding the parents of every key of the regedit `text`.
fn parents_of(text: &str) -> KeySpec {
    let mut root = KeySpec {
        name: "ROOT".to_string(),
        ..KeySpec::default()
    };
    for line in text.lines() {
        let Some(path) = line
            .strip_prefix(r"[HKEY_LOCAL_MACHINE\SYSTEM\")
            .and_then(|l| l.strip_suffix(']'))
        else {
            continue;
        };
        let names: Vec<&str> = path.split('\\').collect();
        let mut key = &mut root;
        for name in &names[..names.len() - 1] {
            let at = match key
                .subkeys
                .iter()
                .position(|k| upper(&k.name) == upper(name))
            {
                Some(at) => at,
                None => {
                    key.subkeys.push(KeySpec {
                        name: name.to_string(),
                        ..KeySpec::default()
                    });
                    key.subkeys.len() - 1
                }
            };
            key = &mut key.subkeys[at];
        }
    }
    root
}

fn the_reg_export_of_each_real_hive_merges_back_to_the_same_keys() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    if !Path::new(HIVEXREGEDIT).is_file() {
        if std::env::var("WINSOCK_DOCTOR_REQUIRE_PEERS").is_ok_and(|v| v == "1") {
            panic!("{HIVEXREGEDIT} is missing");
        }
        eprintln!("\n!!!!! SKIPPED: {HIVEXREGEDIT} is missing !!!!!\n");
        return;
    }
    let manifest = common::manifest(&hives);
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (i, hive) in manifest["system_hives"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        if hive["winsock2_present"] != true {
            continue; // the damaged hive: WinSock2 cannot be read
        }
        let rel = hive["path"].as_str().unwrap();
        let source = hives.join(rel);
        let recovered = source.with_file_name("expected").join("SYSTEM.recovered");
        let truth = fs::read(if recovered.is_file() {
            &recovered
        } else {
            &source
        })
        .unwrap();
        let control_set = hive["analyzed_control_set"].as_str().unwrap();

        let reg = dir.path().join(format!("{i}.reg"));
        let out = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
            .arg("export")
            .arg(&source)
            .arg("--reg")
            .arg(&reg)
            .output()
            .unwrap();
        assert!(out.status.success(), "{rel}: {out:?}");
        let utf8 = dir.path().join(format!("{i}.utf8.reg"));
        fs::write(&utf8, as_utf8_lf(&fs::read(&reg).unwrap())).unwrap();

        // hivexregedit creates a key only under an existing parent (reg import creates any).
        let merged = dir.path().join(format!("{i}.hive"));
        let text = fs::read_to_string(&utf8).unwrap();
        fs::write(&merged, build_hive(5, &parents_of(&text), 0).unwrap()).unwrap();
        let out = Command::new(HIVEXREGEDIT)
            .args(["--merge", "--prefix", r"HKEY_LOCAL_MACHINE\SYSTEM"])
            .arg(&merged)
            .arg(&utf8)
            .output()
            .unwrap();
        assert!(out.status.success(), "{rel}: hivexregedit: {out:?}");
        let merged = fs::read(&merged).unwrap();

        // Everything merged exists in the original with the same values...
        let services = format!(r"{control_set}\Services");
        let merged_keys = subtree(&merged, &services);
        let truth_keys: std::collections::BTreeMap<String, KeyModel> =
            subtree(&truth, &services).into_iter().collect();
        for (path, key) in &merged_keys {
            let original = truth_keys
                .get(path)
                .unwrap_or_else(|| panic!("{rel}: {path} was invented"));
            if !key.values.is_empty() || original.values.is_empty() {
                assert_eq!(key.values, original.values, "{rel}: {path}");
            }
            assert_eq!(key.name, original.name, "{rel}: {path}: name as stored");
        }
        // ... and every key of the exported subtrees was merged.
        for name in ["WinSock2", "Winsock", "AFD"] {
            let path = format!(r"{services}\{name}");
            let original = subtree(&truth, &path);
            let back = subtree(&merged, &path);
            assert!(
                !original.is_empty() || name == "AFD",
                "{rel}: {path} exists"
            );
            assert_eq!(back.len(), original.len(), "{rel}: {path}: key count");
            assert_eq!(back, original, "{rel}: {path}");
        }
        checked += 1;
    }
    assert!(
        checked >= 7,
        "every readable real hive was exported ({checked})"
    );
}

fn an_existing_file_is_kept_unless_forced() {
    let Some(hive) = common::hive_path("real/winxp-sp3-x86-m57/SYSTEM") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let reg = dir.path().join("out.reg");
    fs::write(&reg, b"keep me").unwrap();
    let run = |force: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"));
        cmd.arg("export").arg(&hive).arg("--reg").arg(&reg);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let refused = run(false);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert_eq!(fs::read(&reg).unwrap(), b"keep me");
    assert!(run(true).status.success());
    assert!(fs::read(&reg).unwrap().starts_with(&[0xFF, 0xFE]));
}

common::registry::register_tests! {
    Hives: [
        the_reg_export_of_each_real_hive_merges_back_to_the_same_keys,
        an_existing_file_is_kept_unless_forced,
    ],
}
