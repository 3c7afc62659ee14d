//! Layered service providers (format doc §5): a hidden layered ("dummy") entry with ChainLen 0
//! plus one chain entry per protocol it layers over (`ChainEntries[0]` = the dummy's ID, last
//! element = the base provider's ID). Each LSP is grouped with its entries, its DLL and the base
//! providers it wraps; chains that point at IDs the catalog does not hold are dangling.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::json;

use super::entries::{entry_evidence, entry_name, malicious};
use crate::winsock::catalog::{CatalogList, ProtocolEntry};
use crate::winsock::dll_path::{DllLocation, DllPath};
use crate::winsock::findings::{Code, Finding, Severity};
use crate::winsock::guid::Guid;
use crate::winsock::known_malicious::known_malicious;
use crate::winsock::packed_item::{EntryKind, PackedCatalogItem};

/// One layered service provider in one entry list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Lsp {
    pub control_set: String,
    /// `Catalog_Entries` or `Catalog_Entries64`.
    pub catalog: String,
    pub name: String,
    pub dll: String,
    pub dll_location: DllLocation,
    /// The LSP's own GUID (its layered entry's ProviderId).
    pub provider_id: Option<Guid>,
    /// The hidden layered entry; `None` when it is gone (only chains are left).
    pub layered_entry: Option<LspEntry>,
    pub chains: Vec<LspChain>,
    /// Names of the base providers it sits over.
    pub wraps: Vec<String>,
    pub known_as: Option<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LspEntry {
    pub key: String,
    pub catalog_entry_id: u32,
    pub name: String,
    pub library_path: String,
    /// When the entry key was last written: when the LSP was installed, for a fresh install.
    #[serde(serialize_with = "crate::hive::filetime::serialize_filetime")]
    pub last_written: Option<u64>,
}

/// A chain entry and the base provider at its bottom.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LspChain {
    #[serde(flatten)]
    pub entry: LspEntry,
    pub chain: Vec<u32>,
    pub base: Option<LspEntry>,
}

fn lsp_entry(entry: &ProtocolEntry, item: &PackedCatalogItem) -> LspEntry {
    LspEntry {
        key: entry.key.clone(),
        catalog_entry_id: item.catalog_entry_id,
        name: entry_name(entry),
        library_path: item.library_path.clone(),
        last_written: entry.last_written,
    }
}

fn by_id<'e>(
    entries: &[&'e ProtocolEntry],
) -> HashMap<u32, (&'e ProtocolEntry, &'e PackedCatalogItem)> {
    let mut map = HashMap::new();
    for entry in entries {
        if let Some(item) = &entry.item {
            map.entry(item.catalog_entry_id).or_insert((*entry, item));
        }
    }
    map
}

/// Group the layered and chain entries of one list into LSPs.
pub fn group(
    control_set: &str,
    list: &CatalogList<ProtocolEntry>,
    entries: &[&ProtocolEntry],
) -> Vec<Lsp> {
    let ids = by_id(entries);
    // Chains by the ID at their top (the layered entry they belong to), in key order.
    let mut chains_by_top: BTreeMap<u32, Vec<LspChain>> = BTreeMap::new();
    for entry in entries {
        let Some(item) = &entry.item else { continue };
        if item.kind() != EntryKind::Chain {
            continue;
        }
        let base = item
            .chain
            .last()
            .and_then(|id| ids.get(id))
            .filter(|(_, b)| b.kind() == EntryKind::Base)
            .map(|(e, b)| lsp_entry(e, b));
        chains_by_top
            .entry(item.chain.first().copied().unwrap_or_default())
            .or_default()
            .push(LspChain {
                entry: lsp_entry(entry, item),
                chain: item.chain.clone(),
                base,
            });
    }
    let make = |layered: Option<(&ProtocolEntry, &PackedCatalogItem)>, chains: Vec<LspChain>| {
        let (name, dll, provider_id) = match (layered, chains.first()) {
            (Some((e, i)), _) => (entry_name(e), i.library_path.clone(), Some(i.provider_id)),
            (None, Some(c)) => (c.entry.name.clone(), c.entry.library_path.clone(), None),
            (None, None) => (String::new(), String::new(), None),
        };
        let parsed = DllPath::parse(&dll);
        let mut wraps: Vec<String> = Vec::new();
        for name in chains
            .iter()
            .filter_map(|c| c.base.as_ref().map(|b| &b.name))
        {
            if !wraps.contains(name) {
                wraps.push(name.clone());
            }
        }
        Lsp {
            control_set: control_set.to_string(),
            catalog: list.name.clone(),
            name,
            dll_location: parsed.location,
            known_as: known_malicious(&parsed.file_name),
            dll,
            provider_id,
            layered_entry: layered.map(|(e, i)| lsp_entry(e, i)),
            chains,
            wraps,
        }
    };
    let mut out = Vec::new();
    for entry in entries {
        let Some(item) = &entry.item else { continue };
        if item.kind() == EntryKind::Layered {
            let chains = chains_by_top
                .remove(&item.catalog_entry_id)
                .unwrap_or_default();
            out.push(make(Some((entry, item)), chains));
        }
    }
    // What is left has no layered entry at its top: an LSP whose dummy is gone.
    for (_, chains) in chains_by_top {
        out.push(make(None, chains));
    }
    out
}

/// One `layered_provider` per LSP (and `known_malicious_provider` for known DLLs); one
/// `dangling_chain` per chain entry that cannot be followed.
pub fn check(path: &str, entries: &[&ProtocolEntry], lsps: &[Lsp], out: &mut Vec<Finding>) {
    for lsp in lsps {
        out.push(layered_finding(path, lsp));
        if let (Some(known), Some(first)) = (lsp.known_as, first_key(lsp)) {
            let key = format!(r"{path}\{first}");
            if let Some(item) = entries
                .iter()
                .find(|e| e.key == first)
                .and_then(|e| e.item.as_ref())
            {
                out.push(malicious(&key, &lsp.name, item, known));
            }
        }
    }
    let ids = by_id(entries);
    for entry in entries {
        let Some(item) = &entry.item else { continue };
        if let Some(problem) = chain_problem(item, &ids) {
            out.push(
                Finding::new(
                    Code::DanglingChain,
                    Severity::Critical,
                    format!(r"{path}\{}", entry.key),
                    format!(
                        "Chain entry \"{}\" (ID {}) {problem}: ws2_32 cannot build this \
                         protocol chain, so sockets of that protocol fail.",
                        entry_name(entry),
                        item.catalog_entry_id
                    ),
                )
                .value("PackedCatalogItem")
                .evidence(entry_evidence(item)),
            );
        }
    }
}

fn first_key(lsp: &Lsp) -> Option<&str> {
    lsp.layered_entry
        .as_ref()
        .or(lsp.chains.first().map(|c| &c.entry))
        .map(|e| e.key.as_str())
}

/// Why a chain cannot be followed, if it cannot (format doc §6 item 11).
fn chain_problem(
    item: &PackedCatalogItem,
    ids: &HashMap<u32, (&ProtocolEntry, &PackedCatalogItem)>,
) -> Option<String> {
    match item.kind() {
        EntryKind::Invalid => {
            return Some(format!("has ChainLen {}, outside 0..7", item.chain_len));
        }
        EntryKind::Chain => {}
        EntryKind::Base | EntryKind::Layered => return None,
    }
    let absent: Vec<String> = item
        .chain
        .iter()
        .filter(|id| !ids.contains_key(id))
        .map(u32::to_string)
        .collect();
    if !absent.is_empty() {
        return Some(format!(
            "names catalog IDs {} that are not in this catalog",
            absent.join(", ")
        ));
    }
    let kind_of = |id: &u32| ids.get(id).map(|(_, i)| i.kind());
    if item.chain.first().and_then(kind_of) != Some(EntryKind::Layered) {
        return Some("does not start at a layered (dummy) entry".into());
    }
    if item.chain.last().and_then(kind_of) != Some(EntryKind::Base) {
        return Some("does not end at a base provider".into());
    }
    if item.chain.contains(&item.catalog_entry_id) {
        return Some("names its own ID inside its chain".into());
    }
    None
}

fn layered_finding(path: &str, lsp: &Lsp) -> Finding {
    let key = first_key(lsp).map_or_else(|| path.to_string(), |k| format!(r"{path}\{k}"));
    let wraps = if lsp.wraps.is_empty() {
        "no base provider (no chain entry uses it: left over from an incomplete install or \
         removal)"
            .to_string()
    } else {
        lsp.wraps.join(", ")
    };
    let shell = if lsp.layered_entry.is_none() {
        " Its hidden layered entry is gone; only chain entries are left."
    } else {
        ""
    };
    Finding::new(
        Code::LayeredProvider,
        Severity::Warning,
        key,
        format!(
            "Layered service provider \"{}\" ({}, {}) sits over {wraps}: programs' traffic \
             through these providers passes through its DLL.{shell} Proxy, VPN and security \
             software install LSPs; so does adware. If it is not wanted, remove it with \
             repair --mode remove-lsp.",
            lsp.name,
            lsp.dll,
            lsp.dll_location.describe(),
        ),
    )
    .value("PackedCatalogItem")
    .evidence(json!(lsp))
}
