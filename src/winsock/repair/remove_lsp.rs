//! `--mode remove-lsp`: layered providers removed the way Microsoft's instlsp does it (format
//! doc §5.4): the LSP's hidden layered entry and every chain entry on top of it go; their IDs
//! leave every remaining chain; a chain left without its layered entry at the top or a base
//! provider at the bottom goes too. Survivors keep their IDs (never reused:
//! `Next_Catalog_Entry_ID` only rises), keys are renumbered 1..N, both x64 lists are done.
//! Foreign namespace providers go as well.

use std::collections::BTreeSet;

use crate::hive::value::RawValue;
use crate::winsock::catalog::{ControlSetCatalogs, PACKED_CATALOG_ITEM, ProtocolEntry};
use crate::winsock::diagnose::loaded;
use crate::winsock::findings::Code;
use crate::winsock::packed_item::{EntryKind, PackedCatalogItem, with_chain};
use crate::winsock::repair::layout::{
    counters, current_entries, find_list, list_names, protocol_root_path, relative,
};
use crate::winsock::repair::lsp_units::{LspSelector, LspUnit, select, unit_of};
use crate::winsock::repair::plan::{Removed, RepairPlan};
use crate::winsock::repair::{Context, PlanError, namespace};

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
    let found: Vec<_> = list_names(context.windows)
        .iter()
        .filter_map(|name| find_list(&cs.protocol_catalogs, name))
        .map(|list| (list, loaded(list)))
        .collect();
    let all_entries: Vec<Vec<&ProtocolEntry>> = found.iter().map(|(_, e)| e.clone()).collect();
    let units = select(&all_entries, selectors)?;
    let mut lists = Vec::new();
    let mut highest = 0u32;
    for (list, entries) in found {
        let removed = removal_set(&entries, &units);
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

/// The IDs to remove from one list: every entry of the selected units, then every chain that no
/// longer starts at a layered entry and ends at a base provider.
fn removal_set(entries: &[&ProtocolEntry], units: &BTreeSet<LspUnit>) -> BTreeSet<u32> {
    let mut removed: BTreeSet<u32> = entries
        .iter()
        .filter(|e| unit_of(e, entries).is_some_and(|unit| units.contains(&unit)))
        .filter_map(|e| id(e))
        .collect();
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
                let chain = chain_without(item, &removed);
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

/// The chain of `item` without the `removed` IDs.
fn chain_without(item: &PackedCatalogItem, removed: &BTreeSet<u32>) -> Vec<u32> {
    item.chain
        .iter()
        .copied()
        .filter(|i| !removed.contains(i))
        .collect()
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
    let chain = chain_without(item, removed);
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
