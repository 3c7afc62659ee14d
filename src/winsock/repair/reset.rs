//! `--mode reset`: the protocol catalog rebuilt the way `netsh winsock reset` leaves it
//! (format doc §4.6): the Microsoft base providers of the transports, nothing layered, nothing
//! third-party. Healthy Microsoft entries are kept as stored (their stale bytes too); expected
//! ones that are missing or damaged come from the family's template. IDs are handed out from
//! 1001 in `Transports` order, keys follow Windows' order (QoS after IPv6), and both x64
//! lists get the same providers with the same IDs. Missing `WinSock2`/`Winsock` keys are
//! recreated (the KB 811259 case); the namespace catalog is kept unless it is damaged or
//! `--reset-namespace` asks.

use crate::hive::value::{REG_BINARY, REG_SZ, RawValue};
use crate::winsock::catalog::{
    ControlSetCatalogs, PACKED_CATALOG_ITEM, PROTOCOL_NAME, ProtocolEntry,
};
use crate::winsock::default_catalog::{
    DefaultProtocol, default_protocols, has_protocol_name_values, key_order_rank, transport_of,
    winsock2_parameters,
};
use crate::winsock::defaults::{
    expected_providers, is_microsoft_protocol_provider, is_microsoft_provider_dll,
};
use crate::winsock::diagnose::loaded;
use crate::winsock::dll_path::DllPath;
use crate::winsock::family::Family;
use crate::winsock::findings::Code;
use crate::winsock::guid::Guid;
use crate::winsock::known_malicious::known_malicious;
use crate::winsock::packed_item::{BASE_PROTOCOL, with_catalog_entry_id};
use crate::winsock::repair::fix::NEVER_LOADED;
use crate::winsock::repair::layout::{
    FIRST_CATALOG_ID, counters, current_entries, delete_locks, find_list, list_names,
    namespace_root_path, parameters_path, protocol_root_path, relative,
};
use crate::winsock::repair::plan::{Removed, RepairPlan};
use crate::winsock::repair::{Context, PlanError, RepairOptions, namespace, services};

/// What reset fixes in the protocol catalog.
const PROTOCOL_CODES: [Code; 16] = [
    Code::CatalogKeyMissing,
    Code::CatalogGap,
    Code::CatalogCountMismatch,
    Code::DormantCatalogEntry,
    Code::TruncatedCatalogItem,
    Code::CatalogIdConflict,
    Code::LayeredProvider,
    Code::DanglingChain,
    Code::ProviderPathTampered,
    Code::ForeignProviderDll,
    Code::KnownMaliciousProvider,
    Code::DefaultProviderMissing,
    Code::StaleCatalogLock,
    Code::CatalogArchMismatch,
    Code::CatalogEmptyBySerial,
    Code::CatalogValueInvalid,
];

/// Which provider an entry is: (ProviderId, af, type, protocol).
type Identity = (Guid, i32, i32, i32);

fn identity_of(entry: &ProtocolEntry) -> Option<Identity> {
    entry
        .item
        .as_ref()
        .map(|i| (i.provider_id, i.address_family, i.socket_type, i.protocol))
}

/// One provider of the rebuilt catalog.
struct Slot<'a> {
    identity: Identity,
    /// `None` for a kept third-party provider.
    transport: Option<&'static str>,
    /// Position within its transport: the template's, else after the templates.
    within: usize,
    template: Option<DefaultProtocol>,
    /// The kept entry of each list (32-bit, 64-bit).
    kept: [Option<&'a ProtocolEntry>; 2],
    id: u32,
}

pub fn plan(
    cs: &ControlSetCatalogs,
    context: &Context<'_>,
    options: &RepairOptions,
    plan: &mut RepairPlan,
) -> Result<(), PlanError> {
    let family = context.windows.family;
    services::restore_transports(cs, context, plan);
    let transports = services::transports(cs, context);
    restore_parameters(cs, family, plan);

    let templates = default_protocols(family);
    let expected = expected_providers(family, &transports);
    let template_index = |identity: &Identity| {
        templates.iter().position(|t| {
            t.provider_guid() == identity.0 && t.triple() == (identity.1, identity.2, identity.3)
        })
    };
    let root_path = protocol_root_path(cs);
    let names = list_names(context.windows);

    let mut slots: Vec<Slot<'_>> = Vec::new();
    for (li, name) in names.iter().enumerate() {
        let Some(list) = find_list(&cs.protocol_catalogs, name) else {
            continue;
        };
        let loaded_entries = loaded(list);
        for entry in &list.entries {
            let key = format!(r"{root_path}\{}\{}", list.name, entry.key);
            let removed = Removed {
                item: entry.item.as_ref(),
                raw: entry.packed_catalog_item_raw.as_deref(),
                values: &entry.values,
            };
            if !loaded_entries.iter().any(|l| std::ptr::eq(*l, entry)) {
                plan.removed_protocol(key, NEVER_LOADED, removed);
                continue;
            }
            let verdict = judge(entry, options.keep_third_party);
            let Err(reason) = verdict.and_then(|()| {
                let identity = identity_of(entry).ok_or("unreadable")?;
                match slots.iter_mut().find(|s| s.identity == identity) {
                    Some(slot) if slot.kept[li].is_some() => {
                        Err("a second entry for the same provider")
                    }
                    Some(slot) => {
                        slot.kept[li] = Some(entry);
                        Ok(())
                    }
                    None => {
                        let microsoft = is_microsoft_protocol_provider(&identity.0);
                        let position = slots.len();
                        slots.push(Slot {
                            identity,
                            transport: if microsoft {
                                Some(transport_of(family, &identity.0).unwrap_or("Tcpip"))
                            } else {
                                None
                            },
                            within: template_index(&identity).unwrap_or(1000 + position),
                            template: template_index(&identity)
                                .and_then(|i| templates.get(i).copied()),
                            kept: if li == 0 {
                                [Some(entry), None]
                            } else {
                                [None, Some(entry)]
                            },
                            id: 0,
                        });
                        Ok(())
                    }
                }
            }) else {
                continue;
            };
            plan.removed_protocol(key, reason, removed);
        }
    }
    for provider in &expected {
        let Some(index) = templates.iter().position(|t| {
            t.provider_guid() == provider.provider_id
                && t.triple()
                    == (
                        provider.address_family,
                        provider.socket_type,
                        provider.protocol,
                    )
        }) else {
            continue;
        };
        let template = templates[index];
        let identity = (
            template.provider_guid(),
            template.address_family,
            template.socket_type,
            template.protocol,
        );
        if !slots.iter().any(|s| s.identity == identity) {
            slots.push(Slot {
                identity,
                transport: Some(template.transport),
                within: index,
                template: Some(template),
                kept: [None, None],
                id: 0,
            });
        }
    }

    // IDs in the order the helpers are called (Transports), keys in Windows' order.
    let listed = |t: Option<&str>| {
        t.map_or(usize::MAX, |t| {
            transports
                .iter()
                .position(|l| l.eq_ignore_ascii_case(t))
                .unwrap_or(transports.len())
        })
    };
    slots.sort_by_key(|s| (listed(s.transport), s.within));
    for (slot, id) in slots.iter_mut().zip(FIRST_CATALOG_ID..) {
        slot.id = id;
    }
    slots.sort_by_key(|s| {
        (
            s.transport
                .map_or(usize::MAX, |t| key_order_rank(t, &transports)),
            s.within,
            s.id,
        )
    });
    let next_id = FIRST_CATALOG_ID.saturating_add(slots.len() as u32);

    let counts: Vec<(&str, u32)> = names.iter().map(|n| (*n, slots.len() as u32)).collect();
    counters(
        plan,
        &root_path,
        cs.protocol_catalog.as_ref(),
        &counts,
        Some(next_id),
    );
    delete_locks(plan, &root_path, cs.protocol_catalog.as_ref());
    for (li, name) in names.iter().enumerate() {
        let list = find_list(&cs.protocol_catalogs, name);
        let wanted = slots
            .iter()
            .map(|slot| entry_values(slot, li, family))
            .collect::<Result<Vec<_>, _>>()?;
        plan.entries(
            &format!(r"{root_path}\{name}"),
            list.is_some(),
            &current_entries(list),
            &wanted,
        );
    }

    plan.claim(context.findings, &PROTOCOL_CODES, relative(cs, &root_path));
    plan.claim(
        context.findings,
        &[
            Code::Winsock2KeyMissing,
            Code::CatalogKeyMissing,
            Code::CatalogValueInvalid,
        ],
        relative(cs, &parameters_path(cs)),
    );
    let namespace_root = namespace_root_path(cs);
    if options.reset_namespace
        || cs.namespace_catalog.is_none()
        || namespace::is_damaged(cs, context.findings)
    {
        namespace::reset(cs, context, plan);
    } else if delete_locks(plan, &namespace_root, cs.namespace_catalog.as_ref()) {
        plan.claim(
            context.findings,
            &[Code::StaleCatalogLock],
            relative(cs, &namespace_root),
        );
    }
    Ok(())
}

/// `Ok` when reset keeps the entry: a sound Microsoft base provider in the system's DLL, or
/// with `keep_third_party` a third-party base provider not known as malware.
fn judge(entry: &ProtocolEntry, keep_third_party: bool) -> Result<(), &'static str> {
    let item = match (&entry.item, &entry.error, &entry.packed_catalog_item_type) {
        (Some(item), None, None) => item,
        _ => return Err("unreadable or truncated entry"),
    };
    if item.chain_len != BASE_PROTOCOL {
        return Err("layered provider entry (reset removes every LSP)");
    }
    let dll = DllPath::parse(&item.library_path);
    if is_microsoft_protocol_provider(&item.provider_id) {
        return if dll.in_system_directory()
            && !item.library_path_unterminated
            && is_microsoft_provider_dll(&item.provider_id, &dll.file_name)
        {
            Ok(())
        } else {
            Err("Microsoft provider pointing at another DLL (tampered)")
        };
    }
    if keep_third_party && known_malicious(&dll.file_name).is_none() {
        return Ok(());
    }
    Err("third-party base provider (reset keeps only Microsoft's; --keep-third-party keeps it)")
}

/// The values of a slot's key in list `li`: the kept entry as stored (with its new ID), else
/// the other list's, else the template.
fn entry_values(slot: &Slot<'_>, li: usize, family: Family) -> Result<Vec<RawValue>, PlanError> {
    let other = 1 - li.min(1);
    let kept = slot.kept.get(li).copied().flatten().or(slot.kept[other]);
    let mut values = match kept.and_then(|e| Some((e, e.packed_catalog_item_raw.as_deref()?))) {
        Some((entry, raw)) => {
            let bytes = with_catalog_entry_id(raw, slot.id)
                .ok_or_else(|| PlanError::Encode(format!("entry {} is too short", entry.key)))?;
            let mut values: Vec<RawValue> = entry
                .values
                .iter()
                .filter(|v| !v.is_named(PACKED_CATALOG_ITEM))
                .cloned()
                .collect();
            values.insert(
                0,
                RawValue {
                    name: PACKED_CATALOG_ITEM.to_string(),
                    data_type: REG_BINARY,
                    data: bytes,
                },
            );
            values
        }
        None => {
            let template = slot
                .template
                .ok_or_else(|| PlanError::Encode("a provider without a template".into()))?;
            let bytes = template
                .item(slot.id)
                .encode()
                .map_err(|e| PlanError::Encode(e.to_string()))?;
            vec![RawValue::binary(PACKED_CATALOG_ITEM, &bytes)]
        }
    };
    if has_protocol_name_values(family) && !values.iter().any(|v| v.is_named(PROTOCOL_NAME)) {
        let name = kept
            .and_then(|e| e.item.as_ref())
            .map(|i| i.sz_protocol.clone())
            .or_else(|| slot.template.map(|t| t.sz_protocol.to_string()))
            .unwrap_or_default();
        values.push(RawValue::string(PROTOCOL_NAME, REG_SZ, &name));
    }
    Ok(values)
}

/// `Services\WinSock2\Parameters` recreated with the family's values when missing; the
/// catalog names restored when missing.
fn restore_parameters(cs: &ControlSetCatalogs, family: Family, plan: &mut RepairPlan) {
    let key = parameters_path(cs);
    match &cs.winsock2_parameters {
        None => {
            plan.create_key(&key);
            for value in winsock2_parameters(family) {
                plan.set(&key, &[], value);
            }
        }
        Some(params) => {
            // Missing, or not REG_SZ (ws2_32 refuses any other type): REG_SZ, same name.
            for value in winsock2_parameters(family).into_iter().take(2) {
                match params.values.iter().find(|v| v.is_named(&value.name)) {
                    None => plan.set(&key, &params.values, value),
                    Some(v) if v.data_type != REG_SZ => {
                        let text = v.as_string().filter(|t| !t.is_empty() && !t.contains('\\'));
                        let wanted = match text {
                            Some(text) => RawValue::string(&value.name, REG_SZ, &text),
                            None => value,
                        };
                        plan.set(&key, &params.values, wanted);
                    }
                    Some(_) => {}
                }
            }
        }
    }
}
