//! KB 811259's msinfo32 comparison done offline: every base provider this Windows version
//! installs must be in each protocol entry list, matched by (ProviderId, af, type, protocol).

use serde_json::json;

use crate::winsock::catalog::{CatalogList, ControlSetCatalogs, ProtocolEntry};
use crate::winsock::defaults::expected_providers;
use crate::winsock::findings::{Code, Finding, Severity};
use crate::winsock::packed_item::BASE_PROTOCOL;
use crate::winsock::windows_version::WindowsVersion;

pub fn check(
    cs: &ControlSetCatalogs,
    windows: &WindowsVersion,
    list: &CatalogList<ProtocolEntry>,
    path: &str,
    entries: &[&ProtocolEntry],
    out: &mut Vec<Finding>,
) {
    if !list.present {
        return;
    }
    let transports = cs
        .winsock_parameters
        .as_ref()
        .and_then(|p| p.transports.clone())
        .unwrap_or_default();
    let missing: Vec<_> = expected_providers(windows.family, &transports)
        .into_iter()
        .filter(|expected| {
            !entries.iter().filter_map(|e| e.item.as_ref()).any(|item| {
                item.chain_len == BASE_PROTOCOL
                    && item.provider_id == expected.provider_id
                    && (item.address_family, item.socket_type, item.protocol)
                        == (
                            expected.address_family,
                            expected.socket_type,
                            expected.protocol,
                        )
            })
        })
        .collect();
    if missing.is_empty() {
        return;
    }
    let essential = missing.iter().any(|m| m.essential);
    let names: Vec<&str> = missing.iter().map(|m| m.name.as_str()).collect();
    out.push(
        Finding::new(
            Code::DefaultProviderMissing,
            if essential {
                Severity::Critical
            } else {
                Severity::Warning
            },
            path,
            format!(
                "{} of the base providers {} installs {} missing: {}.{}",
                missing.len(),
                windows.family.label(),
                if missing.len() == 1 { "is" } else { "are" },
                names.join(", "),
                if essential {
                    " Without them TCP/IP sockets cannot be created."
                } else {
                    ""
                }
            ),
        )
        .evidence(json!({
            "family": windows.family,
            "transports": transports,
            "missing": missing.iter().map(|m| json!({
                "name": m.name,
                "provider_id": m.provider_id,
                "address_family": m.address_family,
                "socket_type": m.socket_type,
                "protocol": m.protocol,
            })).collect::<Vec<_>>(),
        })),
    );
}
