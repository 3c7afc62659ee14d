//! Who the protocol entries point at: Microsoft providers must use the system's DLL
//! (§6 item 13), base providers should live in the system directory, known adware DLLs are
//! named, and known third-party base providers are reported for information.

use std::collections::BTreeMap;

use serde_json::json;

use crate::winsock::catalog::ProtocolEntry;
use crate::winsock::defaults::{
    is_microsoft_protocol_provider, is_microsoft_provider_dll, known_third_party,
};
use crate::winsock::dll_path::DllPath;
use crate::winsock::findings::{Code, Finding, RepairStep, Severity};
use crate::winsock::known_malicious::known_malicious;
use crate::winsock::packed_item::{BASE_PROTOCOL, PackedCatalogItem};
use crate::winsock::well_known::provider_name;

pub fn check(path: &str, entries: &[&ProtocolEntry], out: &mut Vec<Finding>) {
    // Third-party base providers, grouped by provider GUID: (name, DLL, keys).
    let mut third_party: BTreeMap<String, (String, String, Vec<String>)> = BTreeMap::new();
    for entry in entries {
        let Some(item) = &entry.item else { continue };
        let key = format!(r"{path}\{}", entry.key);
        let dll = DllPath::parse(&item.library_path);
        let name = entry_name(entry);
        let microsoft = is_microsoft_protocol_provider(&item.provider_id);
        if microsoft
            && !(dll.in_system_directory()
                && is_microsoft_provider_dll(&item.provider_id, &dll.file_name))
        {
            out.push(tampered(&key, &name, item, &dll));
        }
        if item.chain_len != BASE_PROTOCOL || microsoft {
            // Layered entries are judged as a whole LSP (lsp.rs).
            continue;
        }
        if let Some(what) = known_malicious(&dll.file_name) {
            // A base provider, not a layer: remove-lsp leaves it, a reset rebuilds without it.
            out.push(malicious(&key, &name, item, what).repaired_by(RepairStep::Reset));
            continue;
        }
        let known = known_third_party(&item.provider_id);
        if known.is_none() && !dll.in_system_directory() {
            out.push(
                Finding::new(
                    Code::ForeignProviderDll,
                    Severity::Warning,
                    &key,
                    format!(
                        "Base provider \"{name}\" ({}) loads {}, {}: an unknown protocol \
                         provider outside Windows. Check who installed it.",
                        item.provider_id,
                        item.library_path,
                        dll.location.describe()
                    ),
                )
                .value("PackedCatalogItem")
                .evidence(entry_evidence(item)),
            );
            continue;
        }
        third_party
            .entry(item.provider_id.to_string())
            .or_insert_with(|| {
                (
                    known.map_or_else(|| name.clone(), str::to_string),
                    item.library_path.clone(),
                    Vec::new(),
                )
            })
            .2
            .push(entry.key.clone());
    }
    for (guid, (name, dll, keys)) in third_party {
        out.push(
            Finding::new(
                Code::ThirdPartyBaseProvider,
                Severity::Info,
                path,
                format!(
                    "Third-party base provider {name} ({dll}, {} entries): a protocol of its \
                     own, not a layer over TCP/IP; not a problem.",
                    keys.len()
                ),
            )
            .evidence(json!({ "provider_id": guid, "library_path": dll, "keys": keys })),
        );
    }
}

/// The readable name of an entry.
pub fn entry_name(entry: &ProtocolEntry) -> String {
    entry
        .display_name
        .clone()
        .or_else(|| entry.protocol_name.clone())
        .unwrap_or_else(|| entry.key.clone())
}

/// The decoded fields a technician compares, and the path bytes as stored.
pub fn entry_evidence(item: &PackedCatalogItem) -> serde_json::Value {
    json!({
        "catalog_entry_id": item.catalog_entry_id,
        "provider_id": item.provider_id,
        "provider": provider_name(&item.provider_id),
        "library_path": item.library_path,
        "library_path_hex": crate::hive::value::hex(&item.library_path_bytes),
        "chain_len": item.chain_len,
        "chain": item.chain,
        "address_family": item.address_family,
        "socket_type": item.socket_type,
        "protocol": item.protocol,
        "service_flags1": format!("{:#x}", item.service_flags1),
        "provider_flags": format!("{:#x}", item.provider_flags),
        "sz_protocol": item.sz_protocol,
    })
}

fn tampered(key: &str, name: &str, item: &PackedCatalogItem, dll: &DllPath) -> Finding {
    Finding::new(
        Code::ProviderPathTampered,
        Severity::Critical,
        key,
        format!(
            "Microsoft provider \"{name}\" ({}) points at {:?}, {}; Windows uses \
             %SystemRoot%\\system32\\mswsock.dll. Its sockets run through another DLL \
             (hijack) or fail to load.",
            provider_name(&item.provider_id).unwrap_or("Microsoft"),
            item.library_path,
            dll.location.describe()
        ),
    )
    .value("PackedCatalogItem")
    .evidence(entry_evidence(item))
}

pub fn malicious(key: &str, name: &str, item: &PackedCatalogItem, what: &str) -> Finding {
    Finding::new(
        Code::KnownMaliciousProvider,
        Severity::Critical,
        key,
        format!(
            "\"{name}\" loads {}, known as {what}: it hooks every connection and is known to \
             break Internet access when removed by hand.",
            item.library_path
        ),
    )
    .value("PackedCatalogItem")
    .evidence(json!({ "known_as": what, "entry": entry_evidence(item) }))
}
