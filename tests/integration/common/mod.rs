//! Shared helpers for integration tests: where the real hives and the peer validators are.

pub mod cli;
mod files;
pub mod mutate;
pub mod patchable;
pub mod pe;
pub mod property;
pub mod registry;
pub mod repair;
pub mod restore;
pub mod software;
pub mod spec;

pub use files::files_below;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// Where the test hives folder is looked for: `WINSOCK_DOCTOR_HIVES`, else `../shared/hives`
/// next to the crate.
pub fn hives_location() -> PathBuf {
    std::env::var_os("WINSOCK_DOCTOR_HIVES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/hives")))
}

/// Whether the hives folder is there (it holds `manifest.json`).
pub fn hives_found() -> bool {
    hives_location().join("manifest.json").is_file()
}

/// `WINSOCK_DOCTOR_REQUIRE_HIVES=1`: the absence of the hives is a failure, not a skip.
pub fn hives_required() -> bool {
    env_flag("WINSOCK_DOCTOR_REQUIRE_HIVES")
}

/// The test hives folder ([`hives_location`]). `None` (after a loud message) when it is absent,
/// unless [`hives_required`], which makes its absence a failure.
pub fn hives_dir() -> Option<PathBuf> {
    let dir = hives_location();
    if hives_found() {
        return Some(dir);
    }
    if hives_required() {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_HIVES=1 but the test hives are not at {}",
            dir.display()
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED: test hives not found at {} (set WINSOCK_DOCTOR_HIVES) !!!!!\n",
        dir.display()
    );
    None
}

/// The file or folder `relative` inside the hives folder, or `None` when the folder is absent.
pub fn hive_path(relative: &str) -> Option<PathBuf> {
    Some(hives_dir()?.join(relative))
}

/// `manifest.json` of the hives folder `dir`.
pub fn manifest(dir: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("read manifest.json");
    serde_json::from_str(&text).expect("parse manifest.json")
}

/// The SYSTEM hives of a manifest whose Winsock keys are readable (`winsock2_present`), or
/// with `false` the damaged ones.
pub fn system_hives(
    manifest: &serde_json::Value,
    winsock2_present: bool,
) -> Vec<&serde_json::Value> {
    cli::items_where(
        manifest,
        "system_hives",
        "winsock2_present",
        winsock2_present,
    )
}

/// The real SYSTEM hives the manifest lists with `winsock2_present` (see [`system_hives`]), each
/// as its path and its record; `None` (after a loud message) when the hives are absent.
pub fn listed_system_hives(winsock2_present: bool) -> Option<Vec<(PathBuf, serde_json::Value)>> {
    let dir = hives_dir()?;
    let manifest = manifest(&dir);
    let listed = system_hives(&manifest, winsock2_present).into_iter();
    Some(
        listed
            .map(|hive| (dir.join(cli::text(&hive["path"])), hive.clone()))
            .collect(),
    )
}

/// The manifest's record of the hive at `relative` (to the hives folder).
pub fn hive_facts<'m>(manifest: &'m serde_json::Value, relative: &str) -> &'m serde_json::Value {
    cli::array(manifest, "system_hives")
        .iter()
        .find(|hive| hive["path"] == relative)
        .unwrap_or_else(|| panic!("{relative} not in manifest.json"))
}

pub fn sha256_of(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).expect("read file");
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The shared folder holding `peers/` (`WINSOCK_DOCTOR_SHARED`, else the hives folder's parent).
/// Found without asking `hives_dir`: a missing peer is reported as such (peer_script), not as
/// missing hives.
fn shared_dir() -> PathBuf {
    std::env::var_os("WINSOCK_DOCTOR_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| hives_location().join(".."))
}

/// A script of `peers/` in the shared folder, or `None` (after a loud message) when the peers
/// are not installed, unless `WINSOCK_DOCTOR_REQUIRE_PEERS=1`, then panic.
pub fn peer_script(name: &str) -> Option<PathBuf> {
    let script = shared_dir().join("peers").join(name);
    let peers_home = Path::new("/opt/hive-peers");
    if script.is_file() && peers_home.is_dir() {
        return Some(script);
    }
    if env_flag("WINSOCK_DOCTOR_REQUIRE_PEERS") {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_PEERS=1 but {} or {} is missing",
            script.display(),
            peers_home.display()
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED peer check: {} or {} is missing !!!!!\n",
        script.display(),
        peers_home.display()
    );
    None
}

/// Run a peer script with `args` and return its combined output and success.
pub fn run_peer_script(name: &str, args: &[&Path]) -> Option<(bool, String)> {
    let script = peer_script(name)?;
    let out = Command::new("bash")
        .arg(&script)
        .args(args)
        .output()
        .expect("run a peer script");
    Some((
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    ))
}

/// What the peers say of `hive`: `Ok` when `validate_hive.sh` exits 0 and prints `OVERALL: PASS`,
/// else `Err` with its report; `None` when the peers are absent. Its dumps go to a temporary
/// folder (`-o`), removed afterwards.
pub fn peers_verdict(hive: &Path) -> Option<Result<(), String>> {
    let dumps = tempfile::tempdir().expect("temp dir for the peer dumps");
    let (success, output) =
        run_peer_script("validate_hive.sh", &[Path::new("-o"), dumps.path(), hive])?;
    Some(
        if success && output.lines().any(|l| l.starts_with("OVERALL: PASS")) {
            Ok(())
        } else {
            Err(output)
        },
    )
}

/// Assert that every peer accepts `hive` and agrees on its contents.
pub fn assert_peers_pass(hive: &Path) {
    if let Some(Err(output)) = peers_verdict(hive) {
        panic!("peers reject {}:\n{output}", hive.display());
    }
}

/// Assert that `diff_outside.sh BEFORE AFTER KEYS...` exits 0 and reports the two hives
/// identical outside the subtrees `keys` (relative to the root key).
pub fn assert_unchanged_outside(before: &Path, after: &Path, keys: &[&str]) {
    assert!(!keys.is_empty(), "diff_outside.sh needs at least one key");
    let mut args: Vec<&Path> = vec![before, after];
    args.extend(keys.iter().map(Path::new));
    if let Some((success, output)) = run_peer_script("diff_outside.sh", &args) {
        assert!(
            success && output.starts_with("IDENTICAL"),
            "{} changed outside {keys:?} (from {}):\n{output}",
            after.display(),
            before.display()
        );
    }
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
