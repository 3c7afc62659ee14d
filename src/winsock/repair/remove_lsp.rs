//! `--mode remove-lsp`: layered providers removed the way Microsoft's instlsp does it (format
//! doc §5.4): the LSP's hidden layered entry and every chain entry on top of it go; their IDs
//! leave every remaining chain; a chain left without its layered entry at the top or a base
//! provider at the bottom goes too. Survivors keep their IDs (never reused:
//! `Next_Catalog_Entry_ID` only rises), keys are renumbered 1..N, both x64 lists are done.
//! Foreign namespace providers go as well.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::hive::value::RawValue;
use crate::winsock::catalog::{ControlSetCatalogs, PACKED_CATALOG_ITEM, ProtocolEntry};
use crate::winsock::diagnose::loaded;
use crate::winsock::dll_path::DllPath;
use crate::winsock::findings::Code;
use crate::winsock::guid::Guid;
use crate::winsock::packed_item::{EntryKind, with_chain};
use crate::winsock::repair::layout::{
    counters, current_entries, find_list, list_names, protocol_root_path, relative,
};
use crate::winsock::repair::plan::{Removed, RepairPlan};
use crate::winsock::repair::{Context, PlanError, namespace};

/// Which layered provider `--lsp` names: a catalog ID, a provider GUID or a DLL (its file name
/// or full path, any letter case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LspSelector {
    Id(u32),
    Guid(Guid),
    Dll(String),
}

impl std::str::FromStr for LspSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty --lsp names nothing".into());
        }
        if let Ok(id) = text.parse::<u32>() {
            return Ok(Self::Id(id));
        }
        if let Ok(guid) = text.parse::<Guid>() {
            return Ok(Self::Guid(guid));
        }
        Ok(Self::Dll(text.to_string()))
    }
}

impl std::fmt::Display for LspSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "ID {id}"),
            Self::Guid(guid) => write!(f, "GUID {guid}"),
            Self::Dll(dll) => write!(f, "DLL {dll}"),
        }
    }
}

impl LspSelector {
    fn matches(&self, entry: &ProtocolEntry) -> bool {
        let Some(item) = &entry.item else {
            return false;
        };
        match self {
            Self::Id(id) => item.catalog_entry_id == *id,
            Self::Guid(guid) => item.provider_id == *guid,
            Self::Dll(dll) => {
                item.library_path.eq_ignore_ascii_case(dll)
                    || DllPath::parse(&item.library_path).file_name == DllPath::parse(dll).file_name
            }
        }
    }
}

fn kind(entry: &ProtocolEntry) -> Option<EntryKind> {
    entry.item.as_ref().map(|i| i.kind())
}

fn id(entry: &ProtocolEntry) -> Option<u32> {
    entry.item.as_ref().map(|i| i.catalog_entry_id)
}

pub fn plan(
    cs: &ControlSetCatalogs,
    context: &Context<'_>,
    selectors: &[LspSelector],
    with_namespace: bool,
    plan: &mut RepairPlan,
) -> Result<(), PlanError> {
    let root_path = protocol_root_path(cs);
    let mut matched = vec![false; selectors.len()];
    let mut lists = Vec::new();
    let mut highest = 0u32;
    for name in list_names(context.windows) {
        let Some(list) = find_list(&cs.protocol_catalogs, name) else {
            continue;
        };
        let entries = loaded(list);
        let removed = removal_set(&entries, selectors, &mut matched);
        let mut wanted = Vec::new();
        for entry in &entries {
            let key = format!(r"{root_path}\{}\{}", list.name, entry.key);
            let gone = id(entry).is_some_and(|i| removed.contains(&i));
            if gone {
                plan.removed_protocol(
                    key,
                    "layered provider entry",
                    Removed {
                        item: entry.item.as_ref(),
                        raw: entry.packed_catalog_item_raw.as_deref(),
                        values: &entry.values,
                    },
                );
                continue;
            }
            highest = highest.max(id(entry).unwrap_or(0));
            wanted.push(values_without(entry, &removed));
        }
        lists.push((list, entries, wanted));
    }
    if let Some((selector, _)) = selectors.iter().zip(&matched).find(|(_, m)| !**m) {
        return Err(PlanError::NoSuchLsp(selector.to_string()));
    }
    if !plan.removed_providers.is_empty() {
        let next = cs
            .protocol_catalog
            .as_ref()
            .and_then(|r| r.next_catalog_entry_id)
            .unwrap_or(0)
            .max(highest.saturating_add(1));
        let counts: Vec<(&str, u32)> = lists
            .iter()
            .map(|(l, _, w)| (l.name.as_str(), w.len() as u32))
            .collect();
        counters(
            plan,
            &root_path,
            cs.protocol_catalog.as_ref(),
            &counts,
            Some(next),
        );
        for (list, entries, wanted) in &lists {
            // Only the loaded keys are renumbered; dormant keys past the count stay as found.
            let loaded_keys: Vec<&ProtocolEntry> = entries.clone();
            let current: Vec<_> = current_entries(Some(*list))
                .into_iter()
                .filter(|c| loaded_keys.iter().any(|e| e.key == c.name))
                .collect();
            plan.entries(
                &format!(r"{root_path}\{}", list.name),
                true,
                &current,
                wanted,
            );
        }
    }
    plan.claim(
        context.findings,
        &[Code::LayeredProvider, Code::DanglingChain],
        relative(cs, &root_path),
    );
    if selectors.is_empty() && with_namespace {
        namespace::remove_foreign(cs, context, plan);
    }
    Ok(())
}

/// The IDs to remove from one list: the selected LSPs (all when no selector), then every chain
/// that no longer starts at a layered entry and ends at a base provider.
fn removal_set(
    entries: &[&ProtocolEntry],
    selectors: &[LspSelector],
    matched: &mut [bool],
) -> BTreeSet<u32> {
    let mut removed = BTreeSet::new();
    for entry in entries {
        let (Some(kind), Some(entry_id)) = (kind(entry), id(entry)) else {
            continue;
        };
        if kind == EntryKind::Base {
            continue;
        }
        let hits: Vec<usize> = selectors
            .iter()
            .enumerate()
            .filter(|(_, s)| s.matches(entry))
            .map(|(i, _)| i)
            .collect();
        for &i in &hits {
            matched[i] = true;
        }
        if selectors.is_empty() || !hits.is_empty() {
            removed.insert(entry_id);
        }
    }
    // Chains of a removed layered entry, then chains broken by the removals, until stable.
    loop {
        let present = |i: &u32| !removed.contains(i) && entries.iter().any(|e| id(e) == Some(*i));
        let kind_of = |i: &u32| {
            entries
                .iter()
                .find(|e| id(e) == Some(*i))
                .and_then(|e| kind(e))
        };
        let broken: Vec<u32> = entries
            .iter()
            .filter(|e| kind(e) == Some(EntryKind::Chain) || kind(e) == Some(EntryKind::Invalid))
            .filter_map(|e| {
                let item = e.item.as_ref()?;
                if removed.contains(&item.catalog_entry_id) {
                    return None;
                }
                let chain: Vec<u32> = item
                    .chain
                    .iter()
                    .copied()
                    .filter(|i| !removed.contains(i))
                    .collect();
                let whole = item.kind() == EntryKind::Chain
                    && chain.len() >= 2
                    && chain
                        .first()
                        .is_some_and(|i| present(i) && kind_of(i) == Some(EntryKind::Layered))
                    && chain
                        .last()
                        .is_some_and(|i| present(i) && kind_of(i) == Some(EntryKind::Base));
                (!whole).then_some(item.catalog_entry_id)
            })
            .collect();
        if broken.is_empty() {
            break;
        }
        removed.extend(broken);
    }
    removed
}

/// The entry's values, its chain without the removed IDs (every other byte as stored).
fn values_without(entry: &ProtocolEntry, removed: &BTreeSet<u32>) -> Vec<RawValue> {
    let Some((item, raw)) = entry
        .item
        .as_ref()
        .zip(entry.packed_catalog_item_raw.as_ref())
    else {
        return entry.values.clone();
    };
    if item.kind() != EntryKind::Chain || !item.chain.iter().any(|i| removed.contains(i)) {
        return entry.values.clone();
    }
    let chain: Vec<u32> = item
        .chain
        .iter()
        .copied()
        .filter(|i| !removed.contains(i))
        .collect();
    let Some(bytes) = with_chain(raw, &chain) else {
        return entry.values.clone();
    };
    entry
        .values
        .iter()
        .map(|v| {
            if v.is_named(PACKED_CATALOG_ITEM) {
                RawValue {
                    data: bytes.clone(),
                    ..v.clone()
                }
            } else {
                v.clone()
            }
        })
        .collect()
}
