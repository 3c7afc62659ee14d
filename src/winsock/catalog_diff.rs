//! How the catalogs of another copy of the configuration (another control set, an older hive)
//! differ from the current ones: which providers putting that copy back would add, remove or
//! change. Protocol providers are matched by what they are (provider GUID, address family,
//! socket type, protocol), namespace providers by GUID, namespace and name; never by key or
//! catalog ID, which a rebuild renumbers.

use serde::Serialize;

use crate::hive::value::names_equal;
use crate::winsock::catalog::{CatalogList, ControlSetCatalogs, NamespaceEntry, ProtocolEntry};
use crate::winsock::diagnose::loaded;
use crate::winsock::packed_item::EntryKind;

/// Which catalog a provider is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Catalog {
    Protocol,
    Namespace,
}

/// One provider, in a few fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProviderLine {
    pub catalog: Catalog,
    /// `Catalog_Entries` or `Catalog_Entries64`.
    pub list: String,
    /// The entry key (`000000000007`) in its copy.
    pub key: String,
    pub name: String,
    pub library_path: String,
    /// The catalog entry ID (protocol entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<u32>,
    /// A layered provider or a chain over one (protocol entries).
    pub layered: bool,
}

/// A provider in both, with the fields that differ (`field: now -> source`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedProvider {
    pub provider: ProviderLine,
    pub differences: Vec<String>,
}

/// What putting the source's catalogs in place of the current ones would do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CatalogDiff {
    /// In the source only: put back.
    pub added: Vec<ProviderLine>,
    /// Present now, not in the source: lost (a provider installed since, or damage).
    pub removed: Vec<ProviderLine>,
    pub changed: Vec<ChangedProvider>,
    /// `Winsock\Parameters\Transports` now that the source does not list.
    pub transports_removed: Vec<String>,
    /// Transports the source lists that are not listed now.
    pub transports_added: Vec<String>,
    /// Layered providers (and chains over them) in the source's protocol catalogs.
    pub source_lsps: usize,
}

impl CatalogDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.transports_removed.is_empty()
            && self.transports_added.is_empty()
    }
}

/// The differences from `current` to `source`, list by list.
pub fn diff_catalogs(current: &ControlSetCatalogs, source: &ControlSetCatalogs) -> CatalogDiff {
    let mut diff = CatalogDiff::default();
    for name in list_names(&current.protocol_catalogs, &source.protocol_catalogs) {
        let now = protocol_lines(&current.protocol_catalogs, &name);
        let then = protocol_lines(&source.protocol_catalogs, &name);
        diff.source_lsps += then.iter().filter(|(_, line)| line.layered).count();
        compare(now, then, &mut diff);
    }
    for name in list_names(&current.namespace_catalogs, &source.namespace_catalogs) {
        let now = namespace_lines(&current.namespace_catalogs, &name);
        let then = namespace_lines(&source.namespace_catalogs, &name);
        compare(now, then, &mut diff);
    }
    let transports = |cs: &ControlSetCatalogs| {
        cs.winsock_parameters
            .as_ref()
            .and_then(|p| p.transports.clone())
            .unwrap_or_default()
    };
    let (now, then) = (transports(current), transports(source));
    let missing_from = |list: &[String], name: &String| !list.iter().any(|t| names_equal(t, name));
    diff.transports_removed = now
        .iter()
        .filter(|t| missing_from(&then, t))
        .cloned()
        .collect();
    diff.transports_added = then
        .iter()
        .filter(|t| missing_from(&now, t))
        .cloned()
        .collect();
    diff
}

/// The names of the lists present in either, each once.
fn list_names<E>(a: &[CatalogList<E>], b: &[CatalogList<E>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for list in a.iter().chain(b).filter(|l| l.present) {
        if !names.iter().any(|n| names_equal(n, &list.name)) {
            names.push(list.name.clone());
        }
    }
    names
}

/// How a provider is recognised in the other copy, and what is compared once it is.
type Identity = String;

fn protocol_lines(
    lists: &[CatalogList<ProtocolEntry>],
    name: &str,
) -> Vec<(Identity, ProviderLine)> {
    entries_of(lists, name)
        .into_iter()
        .map(|entry| {
            let item = entry.item.as_ref();
            let identity = item.map_or_else(
                || format!("unreadable {}", entry.key),
                |i| {
                    format!(
                        "{} {}/{}/{}",
                        i.provider_id, i.address_family, i.socket_type, i.protocol
                    )
                },
            );
            let line = ProviderLine {
                catalog: Catalog::Protocol,
                list: name.to_string(),
                key: entry.key.clone(),
                name: entry
                    .display_name
                    .clone()
                    .or_else(|| item.map(|i| i.sz_protocol.clone()))
                    .unwrap_or_else(|| entry.key.clone()),
                library_path: item.map(|i| i.library_path.clone()).unwrap_or_default(),
                id: item.map(|i| i.catalog_entry_id),
                layered: item
                    .is_some_and(|i| matches!(i.kind(), EntryKind::Layered | EntryKind::Chain)),
            };
            (identity, line)
        })
        .collect()
}

fn namespace_lines(
    lists: &[CatalogList<NamespaceEntry>],
    name: &str,
) -> Vec<(Identity, ProviderLine)> {
    let Some(list) = lists
        .iter()
        .find(|l| l.present && names_equal(&l.name, name))
    else {
        return Vec::new();
    };
    loaded(list)
        .into_iter()
        .map(|entry| {
            let p = &entry.provider;
            let identity = format!(
                "{} {} {}",
                p.provider_id.map(|g| g.to_string()).unwrap_or_default(),
                p.name_space.unwrap_or_default(),
                p.display_string.clone().unwrap_or_default()
            );
            let line = ProviderLine {
                catalog: Catalog::Namespace,
                list: name.to_string(),
                key: entry.key.clone(),
                name: p
                    .display_string
                    .clone()
                    .unwrap_or_else(|| entry.key.clone()),
                library_path: p.library_path.clone().unwrap_or_default(),
                id: None,
                layered: false,
            };
            (identity, line)
        })
        .collect()
}

fn entries_of<'a>(lists: &'a [CatalogList<ProtocolEntry>], name: &str) -> Vec<&'a ProtocolEntry> {
    lists
        .iter()
        .find(|l| l.present && names_equal(&l.name, name))
        .map(loaded)
        .unwrap_or_default()
}

/// The fields whose change is reported.
fn compared(line: &ProviderLine) -> [(&'static str, String); 3] {
    [
        ("name", line.name.clone()),
        ("ID", line.id.map(|i| i.to_string()).unwrap_or_default()),
        ("library path", line.library_path.clone()),
    ]
}

/// Match each provider of `now` with one of `then` (first unmatched of the same identity).
fn compare(
    now: Vec<(Identity, ProviderLine)>,
    then: Vec<(Identity, ProviderLine)>,
    diff: &mut CatalogDiff,
) {
    let mut unmatched: Vec<Option<(Identity, ProviderLine)>> = then.into_iter().map(Some).collect();
    for (identity, line) in now {
        let found = unmatched
            .iter_mut()
            .find(|slot| slot.as_ref().is_some_and(|(i, _)| *i == identity))
            .and_then(Option::take);
        let Some((_, source)) = found else {
            diff.removed.push(line);
            continue;
        };
        let differences: Vec<String> = compared(&line)
            .into_iter()
            .zip(compared(&source))
            .filter(|((_, a), (_, b))| a != b)
            .map(|((field, a), (_, b))| format!("{field}: {a} -> {b}"))
            .collect();
        if !differences.is_empty() {
            diff.changed.push(ChangedProvider {
                provider: source,
                differences,
            });
        }
    }
    diff.added
        .extend(unmatched.into_iter().flatten().map(|(_, line)| line));
}
