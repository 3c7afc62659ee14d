//! On x64 the 32-bit and 64-bit entry lists are kept in step by the catalog APIs: the same
//! providers with the same IDs (all real hives). Out of step is the WSCInstallProvider64_32
//! failure mode (format doc §1.3, §6 item 14).

use std::collections::BTreeSet;

use serde_json::json;

use super::{loaded, namespace_root_path, protocol_root_path};
use crate::hive::value::names_equal;
use crate::winsock::catalog::{
    CATALOG_ENTRIES, CATALOG_ENTRIES64, CatalogList, ControlSetCatalogs,
};
use crate::winsock::findings::{Code, Finding, Severity};

pub fn check(cs: &ControlSetCatalogs, out: &mut Vec<Finding>) {
    if let Some((ids32, ids64)) = pair(&cs.protocol_catalogs, |list| {
        loaded(list)
            .into_iter()
            .filter_map(|e| e.item.as_ref().map(|i| i.catalog_entry_id.to_string()))
            .collect()
    }) {
        compare(&protocol_root_path(cs), "catalog IDs", ids32, ids64, out);
    }
    if let Some((guids32, guids64)) = pair(&cs.namespace_catalogs, |list| {
        loaded(list)
            .into_iter()
            .filter_map(|e| e.provider.provider_id.map(|g| g.to_string()))
            .collect()
    }) {
        compare(
            &namespace_root_path(cs),
            "provider GUIDs",
            guids32,
            guids64,
            out,
        );
    }
}

/// The sets of both lists, when both exist.
fn pair<E>(
    lists: &[CatalogList<E>],
    set: impl Fn(&CatalogList<E>) -> BTreeSet<String>,
) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let find = |name| {
        lists
            .iter()
            .find(|l| l.present && names_equal(&l.name, name))
    };
    Some((set(find(CATALOG_ENTRIES)?), set(find(CATALOG_ENTRIES64)?)))
}

fn compare(
    path: &str,
    what: &str,
    set32: BTreeSet<String>,
    set64: BTreeSet<String>,
    out: &mut Vec<Finding>,
) {
    if set32 == set64 {
        return;
    }
    let only32: Vec<&String> = set32.difference(&set64).collect();
    let only64: Vec<&String> = set64.difference(&set32).collect();
    out.push(
        Finding::new(
            Code::CatalogArchMismatch,
            Severity::Warning,
            path,
            format!(
                "The 32-bit and 64-bit entry lists hold different {what} (only 32-bit: {}; only \
                 64-bit: {}): 32-bit and 64-bit programs see different providers.",
                list(&only32),
                list(&only64)
            ),
        )
        .evidence(json!({ "only_32bit": only32, "only_64bit": only64 })),
    );
}

fn list(items: &[&String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}
