//! Namespace provider entries (format doc §3, §6 item 16): the values ws2_32 needs, unique
//! provider GUIDs, and who the providers are.

use std::collections::BTreeMap;

use serde_json::json;

use crate::winsock::catalog::NamespaceEntry;
use crate::winsock::defaults::is_microsoft_namespace_provider;
use crate::winsock::dll_path::DllPath;
use crate::winsock::findings::{Code, Finding, RepairStep, Severity};
use crate::winsock::known_malicious::known_malicious;
use crate::winsock::namespace_entry::{
    DISPLAY_STRING, ENABLED, LIBRARY_PATH, PROVIDER_ID, STORES_SERVICE_CLASS_INFO,
    SUPPORTED_NAME_SPACE, VERSION,
};

pub fn check(path: &str, entries: &[&NamespaceEntry], out: &mut Vec<Finding>) {
    let mut by_guid: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for entry in entries {
        let key = format!(r"{path}\{}", entry.key);
        let p = &entry.provider;
        if let Some(error) = &entry.error {
            out.push(invalid(
                &key,
                Severity::Critical,
                error.clone(),
                json!(null),
            ));
            continue;
        }
        // ws2_32 reads these in turn and gives up on the first that fails: the whole namespace
        // catalog is refused and WSAStartup returns the failure (ReactOS nscatent.c).
        let required = [
            (LIBRARY_PATH, p.library_path.is_some()),
            (DISPLAY_STRING, p.display_string.is_some()),
            (PROVIDER_ID, p.provider_id.is_some()),
            (SUPPORTED_NAME_SPACE, p.name_space.is_some()),
            (ENABLED, p.enabled.is_some()),
            (VERSION, p.version.is_some()),
            (
                STORES_SERVICE_CLASS_INFO,
                p.stores_service_class_info.is_some(),
            ),
        ];
        let missing: Vec<&str> = required
            .iter()
            .filter(|(_, ok)| !ok)
            .map(|&(n, _)| n)
            .collect();
        if !missing.is_empty() {
            out.push(
                invalid(
                    &key,
                    Severity::Critical,
                    format!(
                        "{} missing or of the wrong type: ws2_32 refuses the whole namespace \
                         catalog and WSAStartup fails with it",
                        missing.join(", ")
                    ),
                    json!({ "missing": missing, "other_values": p.other_values }),
                )
                .loader(
                    "WsNcEntryInitializeFromRegistry returns the first failed query; \
                     WsNcRefreshFromRegistry drops every entry and returns that error.",
                ),
            );
        }
        if let Some(guid) = p.provider_id {
            by_guid
                .entry(guid.to_string())
                .or_default()
                .push(&entry.key);
        }
        let Some(library) = &p.library_path else {
            continue;
        };
        let dll = DllPath::parse(library);
        let name = entry
            .display_name
            .clone()
            .or_else(|| p.display_string.clone())
            .unwrap_or_else(|| entry.key.clone());
        let evidence = json!({
            "library_path": library,
            "dll_location": dll.location,
            "provider_id": p.provider_id,
            "name_space": p.name_space,
            "display_string": p.display_string,
            "enabled": p.enabled,
        });
        if let Some(what) = known_malicious(&dll.file_name) {
            out.push(
                Finding::new(
                    Code::KnownMaliciousProvider,
                    Severity::Critical,
                    &key,
                    format!(
                        "Namespace provider \"{name}\" loads {library}, known as {what}: it sees \
                         and can redirect every name lookup."
                    ),
                )
                .value(LIBRARY_PATH)
                .evidence(evidence.clone())
                .repaired_by(RepairStep::ResetNamespace),
            );
        }
        let microsoft = p
            .provider_id
            .is_some_and(|g| is_microsoft_namespace_provider(&g));
        if microsoft && dll.in_system_directory() {
            continue;
        }
        let who = if microsoft {
            format!(
                "Microsoft namespace provider \"{name}\" points at {library}, {}: tampered \
                 (the ZeroAccess trick) or broken.",
                dll.location.describe()
            )
        } else {
            format!(
                "Third-party namespace provider \"{name}\" ({library}, {}): it sees every name \
                 lookup. Check who installed it.",
                dll.location.describe()
            )
        };
        out.push(
            Finding::new(Code::ForeignNamespaceProvider, Severity::Warning, &key, who)
                .value(LIBRARY_PATH)
                .evidence(evidence),
        );
    }
    for (guid, keys) in by_guid.into_iter().filter(|(_, k)| k.len() > 1) {
        out.push(invalid(
            path,
            Severity::Warning,
            format!(
                "entries {} share the provider GUID {guid}: a lookup by GUID reaches only the first",
                keys.join(", ")
            ),
            json!({ "provider_id": guid, "keys": keys }),
        )
        .loader("both load; a lookup by GUID takes the first in catalog order."));
    }
}

fn invalid(key: &str, severity: Severity, problem: String, evidence: serde_json::Value) -> Finding {
    Finding::new(
        Code::NamespaceEntryInvalid,
        severity,
        key,
        format!("Namespace entry {key}: {problem}."),
    )
    .evidence(evidence)
}
