//! The shape of the catalogs: the keys and values ws2_32 needs to load them at all (format doc
//! §1.2-1.6, §6 items 1-7 and 10), the entry keys 1..N, the IDs and the writer lock.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{
    EntryKey, catalog_values, covered_by_read_error, entry_index, loaded, namespace_list_path,
    namespace_root_path, protocol_list_path, protocol_root_path, relative,
};
use crate::hive::value::{hex, names_equal};
use crate::winsock::catalog::{
    CATALOG_ENTRIES, CATALOG_ENTRIES64, CatalogList, CatalogRoot, ControlSetCatalogs,
    PACKED_CATALOG_ITEM, ProtocolEntry, WINSOCK2_PARAMETERS,
};
use crate::winsock::family::Arch;
use crate::winsock::findings::{Code, Finding, Severity};
use crate::winsock::packed_item::PACKED_ITEM_LEN;
use crate::winsock::windows_version::WindowsVersion;

/// At most this many missing key names are listed in a finding.
const LISTED: usize = 20;

pub fn check(cs: &ControlSetCatalogs, windows: &WindowsVersion, out: &mut Vec<Finding>) {
    unreadable(cs, out);
    let Some(params) = &cs.winsock2_parameters else {
        if !covered_by_read_error(cs, WINSOCK2_PARAMETERS) {
            out.push(Finding::new(
                Code::Winsock2KeyMissing,
                Severity::Critical,
                WINSOCK2_PARAMETERS,
                "Services\\WinSock2\\Parameters is missing: ws2_32 finds no catalogs, so no \
                 program can open a socket (the KB 811259 corruption).",
            ));
        }
        return;
    };
    let x64 = windows.arch == Arch::Amd64;
    catalog_values::catalog_names(params, out);

    let protocol_root = protocol_root_path(cs);
    match &cs.protocol_catalog {
        None if !covered_by_read_error(cs, &protocol_root) => {
            out.push(missing_key(&protocol_root, "the protocol catalog"));
        }
        None => {}
        Some(root) => {
            catalog_values::root_values(&protocol_root, root, true, x64, out);
            required_lists(&protocol_root, &cs.protocol_catalogs, x64, out);
            stale_lock(&protocol_root, root, out);
            for list in &cs.protocol_catalogs {
                let path = protocol_list_path(cs, list);
                numbering(&path, list, out);
                truncated(&path, list, out);
            }
            id_conflicts(&protocol_root, root, &cs.protocol_catalogs, out);
        }
    }

    let namespace_root = namespace_root_path(cs);
    match &cs.namespace_catalog {
        None if !covered_by_read_error(cs, &namespace_root) => {
            out.push(missing_key(&namespace_root, "the namespace catalog"));
        }
        None => {}
        Some(root) => {
            catalog_values::root_values(&namespace_root, root, false, x64, out);
            required_lists(&namespace_root, &cs.namespace_catalogs, x64, out);
            stale_lock(&namespace_root, root, out);
            for list in &cs.namespace_catalogs {
                numbering(&namespace_list_path(cs, list), list, out);
            }
        }
    }
}

/// Keys that exist but could not be read: the damage is in the hive itself.
fn unreadable(cs: &ControlSetCatalogs, out: &mut Vec<Finding>) {
    for error in &cs.read_errors {
        let key = relative(&cs.control_set, &error.key);
        out.push(
            Finding::new(
                Code::KeyUnreadable,
                Severity::Critical,
                key,
                format!(
                    "{key} cannot be read: the hive is damaged there ({}). Windows cannot read it \
                     either.",
                    error.error
                ),
            )
            .evidence(json!({ "error": error.error })),
        );
    }
}

fn missing_key(path: &str, what: &str) -> Finding {
    Finding::new(
        Code::CatalogKeyMissing,
        Severity::Critical,
        path,
        format!("{path} ({what}) is missing: Winsock loads an empty catalog (error 10107)."),
    )
}

fn required_lists<E>(path: &str, lists: &[CatalogList<E>], x64: bool, out: &mut Vec<Finding>) {
    let present = |name: &str| {
        lists
            .iter()
            .any(|l| l.present && names_equal(&l.name, name))
    };
    if !present(CATALOG_ENTRIES) {
        out.push(missing_key(
            &format!(r"{path}\{CATALOG_ENTRIES}"),
            "the 32-bit (or only) entry list",
        ));
    }
    if x64 && !present(CATALOG_ENTRIES64) {
        out.push(missing_key(
            &format!(r"{path}\{CATALOG_ENTRIES64}"),
            "the 64-bit entry list of this x64 system",
        ));
    }
}

/// A persisted writer lock: the subkey named `%08X` of `Serial_Access_Num` (§1.6).
fn stale_lock(path: &str, root: &CatalogRoot, out: &mut Vec<Finding>) {
    let Some(serial) = root.serial_access_num else {
        return;
    };
    if let Some(found) = root.lock_key(serial) {
        out.push(
            Finding::new(
                Code::StaleCatalogLock,
                Severity::Critical,
                format!(r"{path}\{found}"),
                format!(
                    "Stale catalog lock {found} (Serial_Access_Num {serial}): every program that \
                     starts Winsock waits for a writer that no longer exists."
                ),
            )
            .evidence(json!({ "serial_access_num": serial, "lock_key": found })),
        );
    }
}

/// Keys 1..N must all exist; keys past N are never loaded; the count should match.
fn numbering<E: EntryKey>(path: &str, list: &CatalogList<E>, out: &mut Vec<Finding>) {
    let Some(count) = list.num_entries else {
        return;
    };
    let mut indices = BTreeSet::new();
    let mut junk = Vec::new();
    for entry in &list.entries {
        match entry_index(entry.key_name()) {
            Some(i) => {
                indices.insert(i);
            }
            None => junk.push(entry.key_name().to_string()),
        }
    }
    let count_value = if list.name.ends_with("64") {
        "Num_Catalog_Entries64"
    } else {
        "Num_Catalog_Entries"
    };
    let present_in_range = indices.range(1..=count.max(1)).count() as u64;
    let missing_count = u64::from(count).saturating_sub(present_in_range);
    if missing_count > 0 {
        let missing: Vec<String> = (1..=count)
            .filter(|i| !indices.contains(i))
            .take(LISTED)
            .map(|i| format!("{i:012}"))
            .collect();
        out.push(
            Finding::new(
                Code::CatalogGap,
                Severity::Critical,
                path,
                format!(
                    "{missing_count} of the {count} entry keys {count_value} announces are \
                     missing (first: {}): ws2_32 stops loading the catalog at the gap.",
                    missing.first().map_or("?", String::as_str)
                ),
            )
            .value(count_value)
            .evidence(json!({
                "count": count,
                "missing_count": missing_count,
                "missing_keys": missing,
            })),
        );
    }
    let dormant: Vec<String> = indices
        .range(count.saturating_add(1)..)
        .map(|i| format!("{i:012}"))
        .chain(junk)
        .collect();
    for key in &dormant {
        out.push(
            Finding::new(
                Code::DormantCatalogEntry,
                Severity::Warning,
                format!(r"{path}\{key}"),
                format!(
                    "Entry key {key} lies outside 1..{count} ({count_value}): Winsock never \
                     loads it. Left over from a broken install or removal, or staged by \
                     malware that raises the count later."
                ),
            )
            .evidence(json!({ "count": count }))
            .loader("never read: ws2_32 builds the names 1..count and stops there."),
        );
    }
    let numbered = indices.len() as u64;
    if numbered != u64::from(count) {
        out.push(
            Finding::new(
                Code::CatalogCountMismatch,
                Severity::Warning,
                path,
                format!(
                    "{count_value} says {count} but {numbered} numbered entry keys exist: an \
                     installer or cleaner stopped half way."
                ),
            )
            .value(count_value)
            .evidence(json!({ "count": count, "numbered_keys": numbered }))
            .loader(
                "loads the keys 1..count: keys past the count are ignored, a missing one \
                 below it fails the catalog (catalog_gap).",
            ),
        );
    }
}

/// PackedCatalogItem missing, not REG_BINARY, or shorter than 888 bytes.
fn truncated(path: &str, list: &CatalogList<ProtocolEntry>, out: &mut Vec<Finding>) {
    for entry in loaded(list) {
        let key = format!(r"{path}\{}", entry.key);
        let raw_len = entry.packed_catalog_item_raw.as_ref().map(Vec::len);
        let (severity, problem) = match (&entry.error, &entry.packed_catalog_item_type) {
            (Some(error), _) => (Severity::Critical, error.clone()),
            (None, Some(kind)) => (
                Severity::Warning,
                format!("{PACKED_CATALOG_ITEM} is {kind}, not REG_BINARY"),
            ),
            (None, None) => continue,
        };
        let head = entry
            .packed_catalog_item_raw
            .as_ref()
            .map(|raw| hex(raw.get(..raw.len().min(64)).unwrap_or_default()));
        out.push(
            Finding::new(
                Code::TruncatedCatalogItem,
                severity,
                key,
                if severity == Severity::Critical {
                    format!(
                        "Entry {} is unusable: {problem}. ws2_32 fails to load the catalog.",
                        entry.key
                    )
                } else {
                    format!(
                        "Entry {}: {problem}, which Windows never writes. ws2_32 does not check \
                         the type and loads it.",
                        entry.key
                    )
                },
            )
            .value(PACKED_CATALOG_ITEM)
            .evidence(json!({
                "length": raw_len,
                "expected_length": PACKED_ITEM_LEN,
                "type": entry.packed_catalog_item_type,
                "first_bytes_hex": head,
            }))
            .loader(if raw_len.is_some() {
                "WsTcEntryInitializeFromRegistry copies the path and WSAPROTOCOL_INFOW without \
                 checking the length: a short item is over-read, the provider gets garbage \
                 fields or no DLL; the type is not checked."
            } else {
                "a missing or unreadable PackedCatalogItem fails the query: the catalog is refused."
            }),
        );
    }
}

/// IDs unique and non-zero; `Next_Catalog_Entry_ID` above every ID of both lists.
fn id_conflicts(
    path: &str,
    root: &CatalogRoot,
    lists: &[CatalogList<ProtocolEntry>],
    out: &mut Vec<Finding>,
) {
    let mut max_id = None::<(u32, String)>;
    for list in lists {
        let mut by_id: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for entry in loaded(list) {
            let Some(item) = &entry.item else { continue };
            by_id
                .entry(item.catalog_entry_id)
                .or_default()
                .push(&entry.key);
            if max_id
                .as_ref()
                .is_none_or(|(m, _)| item.catalog_entry_id > *m)
            {
                max_id = Some((
                    item.catalog_entry_id,
                    format!(r"{path}\{}\{}", list.name, entry.key),
                ));
            }
        }
        for (id, keys) in by_id {
            if id != 0 && keys.len() < 2 {
                continue;
            }
            let what = if id == 0 {
                "catalog ID 0, which is never valid".to_string()
            } else {
                format!("the same catalog ID {id}")
            };
            out.push(
                Finding::new(
                    Code::CatalogIdConflict,
                    Severity::Critical,
                    format!(r"{path}\{}", list.name),
                    format!(
                        "Entries {} carry {what}: chains and programs that name the ID reach \
                         the wrong provider.",
                        keys.join(", ")
                    ),
                )
                .evidence(json!({ "catalog_entry_id": id, "keys": keys }))
                .loader(
                    "loads both entries; a lookup by ID (chains, WSASocket with a protocol \
                     info) takes the first in catalog order.",
                ),
            );
        }
    }
    let Some((next, (max, key))) = root.next_catalog_entry_id.zip(max_id) else {
        return;
    };
    if next <= max {
        out.push(
            Finding::new(
                Code::CatalogIdConflict,
                Severity::Warning,
                path,
                format!(
                    "Next_Catalog_Entry_ID is {next} but {key} already uses ID {max}: the next \
                     provider installed will get an ID that is taken."
                ),
            )
            .value("Next_Catalog_Entry_ID")
            .evidence(
                json!({ "next_catalog_entry_id": next, "highest_id": max, "highest_id_key": key }),
            ),
        );
    }
}
