//! The diagnosis: pure functions from the catalog model of one control set to findings, one
//! file per family of checks. Nothing here reads the hive or prints.

mod arch;
mod catalog_values;
mod defaults;
mod entries;
pub mod lsp;
mod namespace;
mod services;
mod structure;

use serde::Serialize;

use crate::hive::value::key_at_or_below;
use crate::winsock::catalog::{
    CatalogList, ControlSetCatalogs, NamespaceEntry, ProtocolEntry, WINSOCK2_PARAMETERS,
};
use crate::winsock::findings::Finding;
use crate::winsock::windows_version::WindowsVersion;

pub use lsp::Lsp;
pub(crate) use services::{ForeignHook, foreign_hooks};

/// What the checks found in one control set.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub control_set: String,
    /// Most severe first.
    pub findings: Vec<Finding>,
    /// The layered providers, each with its entries grouped.
    pub lsps: Vec<Lsp>,
}

impl Diagnosis {
    /// Add findings made outside the registry (the DLLs on the volume), keeping the order.
    pub fn add(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.findings.extend(findings);
        self.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    }

    /// No critical or warning finding.
    pub fn healthy(&self) -> bool {
        !self.findings.iter().any(Finding::is_problem)
    }
}

/// Run every check on one control set.
pub fn diagnose(cs: &ControlSetCatalogs, windows: &WindowsVersion) -> Diagnosis {
    let mut findings = Vec::new();
    structure::check(cs, windows, &mut findings);
    services::check(cs, windows, &mut findings);
    let mut lsps = Vec::new();
    for list in &cs.protocol_catalogs {
        let path = protocol_list_path(cs, list);
        let loaded = loaded(list);
        entries::check(&path, &loaded, &mut findings);
        defaults::check(cs, windows, list, &path, &loaded, &mut findings);
        let found = lsp::group(&cs.control_set, list, &loaded);
        lsp::check(&path, &loaded, &found, &mut findings);
        lsps.extend(found);
    }
    for list in &cs.namespace_catalogs {
        let path = namespace_list_path(cs, list);
        namespace::check(&path, &loaded(list), &mut findings);
    }
    arch::check(cs, &mut findings);
    for finding in &mut findings {
        finding.control_set = cs.control_set.clone();
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    Diagnosis {
        control_set: cs.control_set.clone(),
        findings,
        lsps,
    }
}

/// `Services\WinSock2\Parameters\Protocol_Catalog9`, as named in the hive.
fn protocol_root_path(cs: &ControlSetCatalogs) -> String {
    format!(r"{WINSOCK2_PARAMETERS}\{}", cs.protocol_catalog_key())
}

fn namespace_root_path(cs: &ControlSetCatalogs) -> String {
    format!(r"{WINSOCK2_PARAMETERS}\{}", cs.namespace_catalog_key())
}

fn protocol_list_path<E>(cs: &ControlSetCatalogs, list: &CatalogList<E>) -> String {
    format!(r"{}\{}", protocol_root_path(cs), list.name)
}

fn namespace_list_path<E>(cs: &ControlSetCatalogs, list: &CatalogList<E>) -> String {
    format!(r"{}\{}", namespace_root_path(cs), list.name)
}

/// `ControlSet001\Services\AFD` -> `Services\AFD`.
pub(crate) fn relative<'k>(control_set: &str, key: &'k str) -> &'k str {
    key.get(control_set.len()..)
        .filter(|_| key.get(..control_set.len()) == Some(control_set))
        .map_or(key, |rest| rest.trim_start_matches('\\'))
}

/// Whether `path` is missing only because it or a parent could not be read.
pub(crate) fn covered_by_read_error(cs: &ControlSetCatalogs, path: &str) -> bool {
    cs.read_errors
        .iter()
        .any(|e| key_at_or_below(path, relative(&cs.control_set, &e.key)))
}

/// The position a key name stands for: `000000000003` is 3. Winsock builds these names with
/// `%012lu`, so anything else is not an entry it loads.
pub fn entry_index(name: &str) -> Option<u32> {
    (name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()))
        .then(|| name.parse().ok())
        .flatten()
}

/// The name of an entry key.
pub trait EntryKey {
    fn key_name(&self) -> &str;
}

impl EntryKey for ProtocolEntry {
    fn key_name(&self) -> &str {
        &self.key
    }
}

impl EntryKey for NamespaceEntry {
    fn key_name(&self) -> &str {
        &self.key
    }
}

/// The entries Winsock loads: keys 1..=count (every numbered key when the count is missing),
/// in position order.
pub fn loaded<E: EntryKey>(list: &CatalogList<E>) -> Vec<&E> {
    let limit = list.num_entries.unwrap_or(u32::MAX);
    let mut out: Vec<(u32, &E)> = list
        .entries
        .iter()
        .filter_map(|e| entry_index(e.key_name()).map(|i| (i, e)))
        .filter(|&(i, _)| (1..=limit).contains(&i))
        .collect();
    out.sort_by_key(|&(i, _)| i);
    out.into_iter().map(|(_, e)| e).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_error_keys_become_relative() {
        assert_eq!(
            relative("ControlSet001", r"ControlSet001\Services\AFD"),
            r"Services\AFD"
        );
        assert_eq!(relative("ControlSet001", r"Other\Key"), r"Other\Key");
    }

    #[test]
    fn only_twelve_decimal_digits_name_an_entry() {
        assert_eq!(entry_index("000000000010"), Some(10));
        assert_eq!(entry_index("00000000000a"), None);
        assert_eq!(entry_index("0000000001"), None);
        assert_eq!(entry_index("0000000000001"), None);
    }
}
