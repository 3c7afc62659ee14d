//! The Microsoft base providers a healthy catalog holds, per Windows family (format doc §4 and
//! the real hives). Matched by (ProviderId, address family, socket type, protocol), never by
//! catalog ID (IDs reflect install history). Only providers Windows always installs for a
//! transport are listed: NetBIOS entries (one pair per adapter binding) and L2CAP are not.

use crate::winsock::default_catalog::{DefaultProtocol, default_protocols};
use crate::winsock::family::Family;
use crate::winsock::guid::Guid;
use crate::winsock::providers::{Kind, RSVP, TCPIP, is_kind, lookup};
use crate::winsock::well_known::display_name;

/// The DLLs Microsoft base providers live in: mswsock.dll (XP and later), msafd.dll (NT 4.0,
/// 2000), rsvpsp.dll (the XP RSVP providers).
pub fn is_microsoft_provider_dll(provider: &Guid, file_name: &str) -> bool {
    match file_name {
        "mswsock.dll" | "msafd.dll" => true,
        "rsvpsp.dll" => *provider == RSVP,
        _ => false,
    }
}

/// Microsoft base protocol providers (format doc §4.1), plus the NWLink IPX/SPX providers of
/// the NT 4.0 hive.
pub fn is_microsoft_protocol_provider(guid: &Guid) -> bool {
    is_kind(guid, Kind::MicrosoftProtocol)
}

/// Microsoft namespace providers (format doc §4.1; NWLink SAP from NT 4.0).
pub fn is_microsoft_namespace_provider(guid: &Guid) -> bool {
    is_kind(guid, Kind::MicrosoftNamespace)
}

/// The product of a known third-party base provider that is not a problem (format doc §4.1).
pub fn known_third_party(guid: &Guid) -> Option<&'static str> {
    match lookup(guid)?.kind {
        Kind::ThirdParty(product) => Some(product),
        _ => None,
    }
}

/// One expected base provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedProvider {
    pub name: String,
    pub provider_id: Guid,
    pub address_family: i32,
    pub socket_type: i32,
    pub protocol: i32,
    /// Without it TCP/IP does not work at all.
    pub essential: bool,
}

impl ExpectedProvider {
    fn of(default: &DefaultProtocol) -> Self {
        Self {
            name: display_name(default.sz_protocol).unwrap_or_else(|| default.sz_protocol.into()),
            provider_id: default.provider_id,
            address_family: default.address_family,
            socket_type: default.socket_type,
            protocol: default.protocol,
            essential: default.provider_id == TCPIP && default.socket_type != 3,
        }
    }
}

/// The base providers this Windows family installs, given the transports it lists (each
/// transport with a WSH helper contributes its providers when the catalog is rebuilt, §4.6):
/// the default entries of TCP/IP always, those of other transports from Vista on when listed.
/// From Vista on the entries of a transport are the same but for their names' resource DLL, so
/// the Windows 10 set serves (a Windows 8 hive may list `vmbus` too).
pub fn expected_providers(family: Family, transports: &[String]) -> Vec<ExpectedProvider> {
    let listed = |name: &str| transports.iter().any(|t| t.eq_ignore_ascii_case(name));
    let vista_or_later = matches!(family, Family::Vista7 | Family::Win881 | Family::Win1011);
    let defaults = default_protocols(if vista_or_later {
        Family::Win1011
    } else {
        family
    });
    defaults
        .iter()
        .filter(|d| d.expected && (d.transport == "Tcpip" || vista_or_later && listed(d.transport)))
        .map(ExpectedProvider::of)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::winsock::default_catalog::default_transports;

    #[test]
    fn every_expected_provider_has_a_template() {
        for family in [
            Family::Nt4,
            Family::Xp2003,
            Family::Vista7,
            Family::Win881,
            Family::Win1011,
        ] {
            let templates = default_protocols(family);
            let transports: Vec<String> = default_transports(family)
                .iter()
                .map(|t| t.to_string())
                .collect();
            for expected in expected_providers(family, &transports) {
                assert!(
                    templates
                        .iter()
                        .any(|t| t.provider_guid() == expected.provider_id
                            && t.triple()
                                == (
                                    expected.address_family,
                                    expected.socket_type,
                                    expected.protocol
                                )),
                    "{family:?}: no template for {}",
                    expected.name
                );
            }
        }
    }

    #[test]
    fn expectations_follow_the_family_and_the_transports() {
        let transports = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            expected_providers(Family::Nt4, &transports(&["Tcpip"])).len(),
            3
        );
        assert_eq!(
            expected_providers(Family::Xp2003, &transports(&["Tcpip", "NetBIOS"])).len(),
            5
        );
        let win10 = expected_providers(
            Family::Win1011,
            &transports(&["vmbus", "Psched", "afunix", "Tcpip", "Tcpip6", "RFCOMM"]),
        );
        assert_eq!(win10.len(), 3 + 3 + 4 + 1 + 1 + 1);
    }
}
