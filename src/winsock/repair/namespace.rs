//! The namespace catalog (`NameSpace_Catalog5`): rebuilt from the family's defaults when it is
//! damaged or `--reset-namespace` asks (sound Microsoft entries are kept as stored), and
//! cleared of foreign providers by `remove-lsp`.

use crate::hive::value::{RawValue, key_at_or_below};
use crate::winsock::catalog::{ControlSetCatalogs, NamespaceEntry};
use crate::winsock::default_catalog::{DefaultNamespace, default_namespaces};
use crate::winsock::defaults::is_microsoft_namespace_provider;
use crate::winsock::diagnose::loaded;
use crate::winsock::dll_path::DllPath;
use crate::winsock::findings::{Code, Finding};
use crate::winsock::repair::Context;
use crate::winsock::repair::layout::{
    counters, current_entries, delete_locks, find_list, list_names, namespace_root_path, relative,
};
use crate::winsock::repair::plan::RepairPlan;
use crate::winsock::repair::services;

const CODES: [Code; 10] = [
    Code::CatalogKeyMissing,
    Code::CatalogGap,
    Code::CatalogCountMismatch,
    Code::DormantCatalogEntry,
    Code::NamespaceEntryInvalid,
    Code::ForeignNamespaceProvider,
    Code::KnownMaliciousProvider,
    Code::StaleCatalogLock,
    Code::CatalogEmptyBySerial,
    Code::CatalogValueInvalid,
];

/// Whether the diagnosis found problems in the namespace catalog.
pub fn is_damaged(cs: &ControlSetCatalogs, findings: &[Finding]) -> bool {
    let root = namespace_root_path(cs);
    let root = relative(cs, &root);
    findings.iter().any(|f| {
        f.is_problem() && f.code != Code::CatalogArchMismatch && key_at_or_below(&f.key, root)
    })
}

/// A Microsoft provider with its values in order, loaded from the system directory.
fn sound(entry: &NamespaceEntry) -> bool {
    let p = &entry.provider;
    entry.error.is_none()
        && p.provider_id
            .is_some_and(|g| is_microsoft_namespace_provider(&g))
        && p.name_space.is_some()
        && p.enabled.is_some()
        && p.display_string.is_some()
        && p.version.is_some()
        && p.stores_service_class_info.is_some()
        && p.library_path
            .as_deref()
            .is_some_and(|l| DllPath::parse(l).in_system_directory())
}

/// Rebuild both namespace lists from the defaults.
pub fn reset(cs: &ControlSetCatalogs, context: &Context<'_>, plan: &mut RepairPlan) {
    let family = context.windows.family;
    let defaults = default_namespaces(family, &services::transports(cs, context));
    rewrite(cs, context, plan, |entries| {
        defaults
            .iter()
            .map(|d| {
                entries
                    .iter()
                    .find(|e| sound(e) && e.provider.provider_id == Some(d.provider_guid()))
                    .map_or_else(|| d.provider(family).to_values(), |e| e.values.clone())
            })
            .collect()
    });
    plan.claim(
        context.findings,
        &CODES,
        relative(cs, &namespace_root_path(cs)),
    );
}

/// `remove-lsp`: drop the namespace providers that are not Microsoft's; a Microsoft one that
/// points elsewhere gets its default values back.
pub fn remove_foreign(cs: &ControlSetCatalogs, context: &Context<'_>, plan: &mut RepairPlan) {
    let family = context.windows.family;
    let defaults: Vec<DefaultNamespace> =
        default_namespaces(family, &services::transports(cs, context));
    let foreign = |e: &NamespaceEntry| {
        !e.provider
            .provider_id
            .is_some_and(|g| is_microsoft_namespace_provider(&g))
    };
    let any_foreign = cs.namespace_catalogs.iter().any(|l| {
        loaded(l)
            .into_iter()
            .any(|e| foreign(e) || !sound(e) && e.error.is_none())
    });
    if !any_foreign {
        return;
    }
    rewrite(cs, context, plan, |entries| {
        entries
            .iter()
            .filter(|e| !foreign(e))
            .map(|e| {
                if sound(e) {
                    return e.values.clone();
                }
                defaults
                    .iter()
                    .find(|d| e.provider.provider_id == Some(d.provider_guid()))
                    .map_or_else(|| e.values.clone(), |d| d.provider(family).to_values())
            })
            .collect()
    });
    plan.claim(
        context.findings,
        &[Code::ForeignNamespaceProvider],
        relative(cs, &namespace_root_path(cs)),
    );
}

/// Replace each list's entries with `wanted(loaded entries)`, record what leaves, renumber,
/// update the counters and delete a stale lock.
fn rewrite(
    cs: &ControlSetCatalogs,
    context: &Context<'_>,
    plan: &mut RepairPlan,
    wanted: impl Fn(&[&NamespaceEntry]) -> Vec<Vec<RawValue>>,
) {
    let root_path = namespace_root_path(cs);
    let names = list_names(context.windows);
    let mut counts = Vec::new();
    let mut lists = Vec::new();
    for name in names {
        let list = find_list(&cs.namespace_catalogs, name);
        let entries = list.map(loaded).unwrap_or_default();
        let new = wanted(&entries);
        for entry in list.map_or(&[][..], |l| &l.entries) {
            if !new.contains(&entry.values) {
                plan.removed_namespace(
                    format!(r"{root_path}\{name}\{}", entry.key),
                    "not a sound Microsoft namespace provider of this Windows version",
                    &entry.provider,
                    &entry.values,
                );
            }
        }
        counts.push((*name, new.len() as u32));
        lists.push((name, list, new));
    }
    counters(
        plan,
        &root_path,
        cs.namespace_catalog.as_ref(),
        &counts,
        None,
    );
    delete_locks(plan, &root_path, cs.namespace_catalog.as_ref());
    for (name, list, new) in lists {
        plan.entries(
            &format!(r"{root_path}\{name}"),
            list.is_some(),
            &current_entries(list),
            &new,
        );
    }
}
