//! `--mode fix`: structural repairs only, providers untouched: entry keys renumbered 1..N
//! (closing gaps), counts made true, keys Winsock never loads deleted, duplicate or zero IDs
//! given fresh ones, `Next_Catalog_Entry_ID` raised above every ID, stale writer locks
//! deleted, and chain entries that point nowhere dropped (ws2_32 cannot load them anyway).

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use crate::hive::value::RawValue;
use crate::winsock::catalog::{
    CatalogList, CatalogRoot, ControlSetCatalogs, PACKED_CATALOG_ITEM, ProtocolEntry,
};
use crate::winsock::diagnose::{EntryKey, entry_index};
use crate::winsock::findings::{Code, Finding};
use crate::winsock::packed_item::{EntryKind, with_catalog_entry_id};
use crate::winsock::repair::PlanError;
use crate::winsock::repair::layout::{
    AsCurrent, FIRST_CATALOG_ID, counters, current_entries, delete_locks, namespace_root_path,
    protocol_root_path, relative,
};
use crate::winsock::repair::plan::{Removed, RepairPlan};

const CODES: [Code; 7] = [
    Code::CatalogGap,
    Code::CatalogCountMismatch,
    Code::DormantCatalogEntry,
    Code::CatalogIdConflict,
    Code::StaleCatalogLock,
    Code::DanglingChain,
    Code::CatalogEmptyBySerial,
];

/// `with_namespace`: also renumber the namespace catalog (not when it is rebuilt anyway).
pub fn plan(
    cs: &ControlSetCatalogs,
    findings: &[Finding],
    with_namespace: bool,
    plan: &mut RepairPlan,
) -> Result<(), PlanError> {
    protocol(cs, plan)?;
    plan.claim(findings, &CODES, relative(cs, &protocol_root_path(cs)));
    if with_namespace {
        namespace(cs, plan);
        plan.claim(findings, &CODES, relative(cs, &namespace_root_path(cs)));
    }
    Ok(())
}

/// Why a key past the count is removed.
pub(super) const NEVER_LOADED: &str = "never loaded: outside the entry keys 1..count";

/// The keys Winsock should load, in order: every numbered key when there is a gap below the
/// count (an entry was deleted without renumbering: the keys past the count are the rest of
/// the catalog), else the keys 1..count. The others are never loaded: `remove_never` is given
/// each one's key path (below `root_path`).
fn kept<'l, E: EntryKey>(
    list: &'l CatalogList<E>,
    root_path: &str,
    mut remove_never: impl FnMut(String, &'l E),
) -> Vec<&'l E> {
    let mut numbered: Vec<(u32, &E)> = Vec::new();
    let mut never = Vec::new();
    for entry in &list.entries {
        match entry_index(entry.key_name()) {
            Some(i) if i > 0 => numbered.push((i, entry)),
            _ => never.push(entry),
        }
    }
    numbered.sort_by_key(|&(i, _)| i);
    let count = list.num_entries.unwrap_or(u32::MAX);
    let present: BTreeSet<u32> = numbered.iter().map(|&(i, _)| i).collect();
    let gap = list
        .num_entries
        .is_some_and(|n| (1..=n).any(|i| !present.contains(&i)));
    let mut keep = Vec::new();
    for (i, entry) in numbered {
        if gap || i <= count {
            keep.push(entry);
        } else {
            never.push(entry);
        }
    }
    for entry in never {
        remove_never(
            format!(r"{root_path}\{}\{}", list.name, entry.key_name()),
            entry,
        );
    }
    keep
}

fn protocol(cs: &ControlSetCatalogs, plan: &mut RepairPlan) -> Result<(), PlanError> {
    let Some(root) = &cs.protocol_catalog else {
        return Ok(());
    };
    let root_path = protocol_root_path(cs);
    // (list position, old ID, occurrence) -> fresh ID, shared so both x64 lists stay in step.
    let mut fresh: BTreeMap<(u32, u32), u32> = BTreeMap::new();
    let all_ids = cs
        .protocol_catalogs
        .iter()
        .flat_map(|l| &l.entries)
        .filter_map(|e| e.item.as_ref().map(|i| i.catalog_entry_id));
    // Fresh IDs go above every ID in use and Next_Catalog_Entry_ID; `None`: none is left.
    let mut next = all_ids
        .max()
        .unwrap_or(0)
        .checked_add(1)
        .map(|above| above.max(root.next_catalog_entry_id.unwrap_or(FIRST_CATALOG_ID)));
    let mut lists = Vec::new();
    for list in cs.protocol_catalogs.iter().filter(|l| l.present) {
        let keep = kept(list, &root_path, |key, entry| {
            plan.removed_protocol(key, NEVER_LOADED, removed(entry));
        });
        let ids: BTreeSet<u32> = keep
            .iter()
            .filter_map(|e| e.item.as_ref())
            .map(|i| i.catalog_entry_id)
            .collect();
        let mut seen: BTreeMap<u32, u32> = BTreeMap::new();
        let mut wanted = Vec::new();
        for entry in keep {
            if let Some(why) = dangling(entry, &ids, list) {
                plan.removed_protocol(
                    format!(r"{root_path}\{}\{}", list.name, entry.key),
                    why,
                    removed(entry),
                );
                continue;
            }
            let mut values = entry.values.clone();
            if let (Some(item), Some(raw)) = (&entry.item, &entry.packed_catalog_item_raw) {
                let id = item.catalog_entry_id;
                let occurrence = seen.entry(id).or_insert(0);
                *occurrence += 1;
                let new_id = if id == 0 || *occurrence > 1 {
                    match fresh.entry((id, *occurrence)) {
                        Entry::Occupied(known) => *known.get(),
                        Entry::Vacant(slot) => {
                            let id = next.ok_or(PlanError::IdsExhausted)?;
                            next = id.checked_add(1);
                            *slot.insert(id)
                        }
                    }
                } else {
                    id
                };
                if new_id != id {
                    if let Some(bytes) = with_catalog_entry_id(raw, new_id) {
                        for v in values
                            .iter_mut()
                            .filter(|v| v.is_named(PACKED_CATALOG_ITEM))
                        {
                            v.data = bytes.clone();
                        }
                    }
                }
            }
            wanted.push(values);
        }
        lists.push((list, wanted));
    }
    let next = Some(next.unwrap_or(u32::MAX));
    renumber(plan, &root_path, root, lists, next);
    Ok(())
}

fn removed(entry: &ProtocolEntry) -> Removed<'_> {
    Removed {
        item: entry.item.as_ref(),
        raw: entry.packed_catalog_item_raw.as_deref(),
        values: &entry.values,
    }
}

/// Why a chain entry cannot be loaded, when it cannot.
fn dangling(
    entry: &ProtocolEntry,
    ids: &BTreeSet<u32>,
    list: &CatalogList<ProtocolEntry>,
) -> Option<&'static str> {
    let item = entry.item.as_ref()?;
    let kind_of = |id: &u32| {
        list.entries
            .iter()
            .filter_map(|e| e.item.as_ref())
            .find(|i| i.catalog_entry_id == *id)
            .map(|i| i.kind())
    };
    match item.kind() {
        EntryKind::Invalid => Some("chain length outside 0..7"),
        EntryKind::Chain if item.chain.iter().any(|i| !ids.contains(i)) => {
            Some("chain names catalog IDs that are not in the catalog")
        }
        EntryKind::Chain if item.chain.first().and_then(kind_of) != Some(EntryKind::Layered) => {
            Some("chain does not start at a layered entry")
        }
        EntryKind::Chain if item.chain.last().and_then(kind_of) != Some(EntryKind::Base) => {
            Some("chain does not end at a base provider")
        }
        EntryKind::Chain if item.chain.contains(&item.catalog_entry_id) => {
            Some("chain names its own ID")
        }
        _ => None,
    }
}

fn namespace(cs: &ControlSetCatalogs, plan: &mut RepairPlan) {
    let Some(root) = &cs.namespace_catalog else {
        return;
    };
    let root_path = namespace_root_path(cs);
    let mut lists = Vec::new();
    for list in cs.namespace_catalogs.iter().filter(|l| l.present) {
        let keep = kept(list, &root_path, |key, entry| {
            plan.removed_namespace(key, NEVER_LOADED, &entry.provider, &entry.values);
        });
        let wanted: Vec<Vec<RawValue>> = keep.iter().map(|e| e.values.clone()).collect();
        lists.push((list, wanted));
    }
    if !needs_work(root, &lists) {
        return;
    }
    renumber(plan, &root_path, root, lists, None);
}

/// Write each list of a catalog as `wanted` (numbered 1..), with its count, the catalog's
/// counters (`next` ID, for protocols) and no lock.
fn renumber<E: AsCurrent>(
    plan: &mut RepairPlan,
    root_path: &str,
    root: &CatalogRoot,
    lists: Vec<(&CatalogList<E>, Vec<Vec<RawValue>>)>,
    next: Option<u32>,
) {
    let counts: Vec<(&str, u32)> = lists
        .iter()
        .map(|(l, w)| (l.name.as_str(), w.len() as u32))
        .collect();
    counters(plan, root_path, Some(root), &counts, next);
    delete_locks(plan, root_path, Some(root));
    for (list, wanted) in lists {
        plan.entries(
            &format!(r"{root_path}\{}", list.name),
            true,
            &current_entries(Some(list)),
            &wanted,
        );
    }
}

/// Whether the namespace catalog's numbering, counts or lock need a change (its serial is
/// bumped only then).
fn needs_work<E: AsCurrent + EntryKey>(
    root: &CatalogRoot,
    lists: &[(&CatalogList<E>, Vec<Vec<RawValue>>)],
) -> bool {
    let lock = root
        .serial_access_num
        .is_some_and(|s| root.lock_key(s).is_some());
    lock || root.serial_access_num == Some(0)
        || lists.iter().any(|(list, wanted)| {
            list.num_entries != Some(wanted.len() as u32)
                || list.entries.len() != wanted.len()
                || wanted.iter().enumerate().any(|(i, _)| {
                    !list
                        .entries
                        .iter()
                        .any(|e| e.key_name() == format!("{:012}", i + 1))
                })
        })
}
