//! Helpers shared by the integration tests: where the real hives and the peer validators are, and a
//! walk of a hive with nt-hive (an independent reader) into a plain model.
#![allow(dead_code)] // each test binary uses a part of this module

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The shared hives folder, from `WINSOCK_DOCTOR_HIVES` or `../shared/hives`. `None` (after a loud
/// message) when it is absent, unless `WINSOCK_DOCTOR_REQUIRE_HIVES=1`, then it panics.
pub fn hives_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("WINSOCK_DOCTOR_HIVES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/hives")));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("WINSOCK_DOCTOR_REQUIRE_HIVES").as_deref() == Ok("1") {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_HIVES=1 but the test hives are missing at {}",
            dir.display()
        );
    }
    eprintln!(
        "!!!!! SKIPPED: test hives not found at {} (set WINSOCK_DOCTOR_HIVES) !!!!!",
        dir.display()
    );
    None
}

/// The bytes of the hive at `relative` under the hives folder, or `None` when the folder is absent.
pub fn read_hive(relative: &str) -> Option<Vec<u8>> {
    let path = hives_dir()?.join(relative);
    Some(std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// The type recorded for values whose type nt-hive does not know.
pub const UNKNOWN_TYPE: u32 = u32::MAX;

/// One key of a hive as an independent reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyModel {
    /// The name as stored (case kept).
    pub name: String,
    /// Uppercased value name -> (name as stored, type, data).
    pub values: BTreeMap<String, (String, u32, Vec<u8>)>,
}

/// Uppercase the way Windows compares names: one-to-one mappings only (ß stays ß), so that the
/// model's notion of "same name" matches the hive's for the names the tests use.
pub fn upper(name: &str) -> String {
    name.chars()
        .map(|c| {
            let mut u = c.to_uppercase();
            match (u.next(), u.next()) {
                (Some(single), None) => single,
                _ => c,
            }
        })
        .collect()
}

/// Every key of a hive, by uppercased path from the root ("" is the root).
pub type HiveModel = BTreeMap<String, KeyModel>;

/// `parent\\child`, or `child` under the root ("").
pub fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}\\{child}")
    }
}

/// Walk `bytes` with nt-hive (`Hive::new` validates the header) into a [`HiveModel`]. Panics on
/// anything nt-hive refuses.
pub fn walk_with_nt_hive(bytes: &[u8]) -> HiveModel {
    let hive = nt_hive::Hive::new(bytes).expect("nt-hive accepts the header");
    let mut model = HiveModel::new();
    let mut stack = vec![(String::new(), hive.root_key_node().expect("root key"))];
    while let Some((path, key)) = stack.pop() {
        let mut values = BTreeMap::new();
        if let Some(list) = key.values() {
            for value in list.expect("values list") {
                let value = value.expect("value");
                let name = value.name().expect("value name").to_string_lossy();
                // nt-hive refuses types above REG_QWORD (Windows 10 stores DEVPROP types): such
                // values read as UNKNOWN_TYPE, the same before and after an edit.
                let data_type = value.data_type().map_or(UNKNOWN_TYPE, |t| t as u32);
                let data = value
                    .data()
                    .expect("value data")
                    .into_vec()
                    .expect("value bytes");
                values.insert(upper(&name), (name, data_type, data));
            }
        }
        let name = key.name().expect("key name").to_string_lossy();
        if let Some(subkeys) = key.subkeys() {
            for child in subkeys.expect("subkey list") {
                let child = child.expect("subkey");
                let child_name = child.name().expect("subkey name").to_string_lossy();
                // nt-hive's lookup is a binary search: it finds every key only in a sorted list.
                let found = key
                    .subkey(&child_name)
                    .expect("binary search finds the subkey")
                    .expect("subkey");
                assert_eq!(found.name().unwrap().to_string_lossy(), child_name);
                let child_path = join(&path, &upper(&child_name));
                stack.push((child_path, child));
            }
        }
        assert!(
            model
                .insert(path.clone(), KeyModel { name, values })
                .is_none(),
            "key {path} listed twice"
        );
    }
    model
}
