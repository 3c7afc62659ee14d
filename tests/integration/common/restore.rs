//! Helpers for the restore tests: damaged copies of the real hives, and the catalogs as stored,
//! to compare a restored hive with its source.

use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::winsock::catalog::ControlSetCatalogs;
use winsock_doctor::winsock::diagnose::loaded;

/// A gap in the current protocol catalog of the real hives (entry 5 deleted).
pub const GAP: &str =
    r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries\000000000005";

/// The hive `bytes` with the keys `delete` deleted by the editor (the damage).
pub fn without_keys(bytes: &[u8], delete: &[&str]) -> Vec<u8> {
    let mut editor = Editor::open(bytes).expect("open in the editor");
    for key in delete {
        assert!(editor.delete_key(key).expect("delete"), "{key} missing");
    }
    editor.finish()
}

/// Every loaded entry of both catalogs as stored: list, key, values (the IDs are in the
/// PackedCatalogItem).
pub fn stored_entries(cs: &ControlSetCatalogs) -> Vec<String> {
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

/// The `restore` part of a repair report (of its first control set).
pub fn restore_of(report: &Value) -> &Value {
    &report["control_sets"][0]["restore"]
}

/// The report's restore names a source that contains `says`.
pub fn assert_source_contains(report: &Value, says: &str) {
    assert!(
        restore_of(report)["source"]
            .as_str()
            .unwrap()
            .contains(says),
        "{report:#}"
    );
}

/// The report's restore names a source that starts with `start`.
pub fn assert_source_starts_with(report: &Value, start: &str) {
    let source = restore_of(report)["source"].as_str();
    assert!(source.is_some_and(|s| s.starts_with(start)), "{report:#}");
}

/// `found` (a history candidate or a restore) is marked as of another Windows, `says`.
pub fn assert_other_windows(found: &Value, says: &str) {
    let other = found["other_windows"].as_str();
    assert!(other.is_some_and(|o| o.contains(says)), "{found:#}");
}
