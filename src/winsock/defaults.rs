//! The Microsoft base providers a healthy catalog holds, per Windows family (format doc §4 and
//! the real hives). Matched by (ProviderId, address family, socket type, protocol), never by
//! catalog ID (IDs reflect install history). Only providers Windows always installs for a
//! transport are listed: NetBIOS entries (one pair per adapter binding) and L2CAP are not.

use crate::winsock::guid::Guid;
use crate::winsock::windows_version::Family;

pub const TCPIP: &str = "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}";
pub const TCPIP6: &str = "{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}";
pub const RSVP: &str = "{9D60A9E0-337A-11D0-BD88-0000C082E69A}";
pub const NETBIOS: &str = "{8D5F1830-C273-11CF-95C8-00805F48A192}";
pub const HYPERV: &str = "{1234191B-4BF7-4CA7-86E0-DFD7C32B5445}";
pub const AF_UNIX: &str = "{A00943D9-9C2E-4633-9B59-0057A3160994}";
pub const BLUETOOTH: &str = "{9FC48064-7298-43E4-B7BD-181F2089792A}";
pub const IRDA: &str = "{3972523D-2AF1-11D1-B655-00805F3642CC}";

/// Microsoft base protocol providers (format doc §4.1), plus the NWLink IPX/SPX providers of
/// the NT 4.0 hive.
pub const MICROSOFT_PROTOCOL_PROVIDERS: [&str; 10] = [
    TCPIP,
    TCPIP6,
    RSVP,
    NETBIOS,
    HYPERV,
    AF_UNIX,
    BLUETOOTH,
    IRDA,
    // NWLink IPX and SPX, as in the NT 4.0 SP3 hive.
    "{11058240-BE47-11CF-95C8-00805F48A192}",
    "{11058241-BE47-11CF-95C8-00805F48A192}",
];

/// Known third-party base providers that are not a problem (format doc §4.1).
pub const KNOWN_THIRD_PARTY_PROVIDERS: [(&str, &str); 2] = [
    (
        "{570ADC4B-67B2-42CE-92B2-ACD33D88D842}",
        "VMware vSockets / VMCI",
    ),
    (
        "{9980498C-E732-482B-9F67-924273A56666}",
        "Red Hat virtio vsock",
    ),
];

/// Microsoft namespace providers (format doc §4.1; NWLink SAP from NT 4.0).
pub const MICROSOFT_NAMESPACE_PROVIDERS: [&str; 8] = [
    "{22059D40-7E9E-11CF-AE5A-00AA00A7112B}",
    "{3B2637EE-E580-11CF-A555-00C04FD8D4AC}",
    "{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}",
    "{964ACBA2-B2BC-40EB-8C6A-A6DB40161CAE}",
    "{03FE89CE-766D-4976-B9C1-BB9BC42C7B4D}",
    "{03FE89CD-766D-4976-B9C1-BB9BC42C7B4D}",
    "{06AA63E0-7D60-41FF-AFB2-3EE6D2D9392D}",
    "{E02DAAF0-7E9F-11CF-AE5A-00AA00A7112B}",
];

/// The DLLs Microsoft base providers live in: mswsock.dll (XP and later), msafd.dll (NT 4.0,
/// 2000), rsvpsp.dll (the XP RSVP providers).
pub fn is_microsoft_provider_dll(provider: &Guid, file_name: &str) -> bool {
    match file_name {
        "mswsock.dll" | "msafd.dll" => true,
        "rsvpsp.dll" => is(provider, RSVP),
        _ => false,
    }
}

pub fn is(guid: &Guid, text: &str) -> bool {
    text.parse::<Guid>().is_ok_and(|g| g == *guid)
}

pub fn is_microsoft_protocol_provider(guid: &Guid) -> bool {
    MICROSOFT_PROTOCOL_PROVIDERS.iter().any(|t| is(guid, t))
}

pub fn is_microsoft_namespace_provider(guid: &Guid) -> bool {
    MICROSOFT_NAMESPACE_PROVIDERS.iter().any(|t| is(guid, t))
}

pub fn known_third_party(guid: &Guid) -> Option<&'static str> {
    KNOWN_THIRD_PARTY_PROVIDERS
        .iter()
        .find(|(t, _)| is(guid, t))
        .map(|&(_, name)| name)
}

/// One expected base provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedProvider {
    pub name: &'static str,
    pub provider_id: &'static str,
    pub address_family: i32,
    pub socket_type: i32,
    pub protocol: i32,
    /// Without it TCP/IP does not work at all.
    pub essential: bool,
}

const fn provider(
    name: &'static str,
    provider_id: &'static str,
    (address_family, socket_type, protocol): (i32, i32, i32),
    essential: bool,
) -> ExpectedProvider {
    ExpectedProvider {
        name,
        provider_id,
        address_family,
        socket_type,
        protocol,
        essential,
    }
}

const IPV4: [ExpectedProvider; 3] = [
    provider("MSAFD Tcpip [TCP/IP]", TCPIP, (2, 1, 6), true),
    provider("MSAFD Tcpip [UDP/IP]", TCPIP, (2, 2, 17), true),
    provider("MSAFD Tcpip [RAW/IP]", TCPIP, (2, 3, 0), false),
];
const IPV6: [ExpectedProvider; 3] = [
    provider("MSAFD Tcpip [TCP/IPv6]", TCPIP6, (23, 1, 6), false),
    provider("MSAFD Tcpip [UDP/IPv6]", TCPIP6, (23, 2, 17), false),
    provider("MSAFD Tcpip [RAW/IPv6]", TCPIP6, (23, 3, 0), false),
];
const XP_RSVP: [ExpectedProvider; 2] = [
    provider("RSVP UDP Service Provider", RSVP, (2, 2, 17), false),
    provider("RSVP TCP Service Provider", RSVP, (2, 1, 6), false),
];
const QOS: [ExpectedProvider; 4] = [
    provider("RSVP TCPv6 Service Provider", RSVP, (23, 1, 6), false),
    provider("RSVP TCP Service Provider", RSVP, (2, 1, 6), false),
    provider("RSVP UDPv6 Service Provider", RSVP, (23, 2, 17), false),
    provider("RSVP UDP Service Provider", RSVP, (2, 2, 17), false),
];
const HYPERV_RAW: [ExpectedProvider; 1] = [provider("Hyper-V RAW", HYPERV, (34, 1, 1), false)];
const UNIX: [ExpectedProvider; 1] = [provider("AF_UNIX", AF_UNIX, (1, 1, 0), false)];
const RFCOMM: [ExpectedProvider; 1] = [provider(
    "MSAFD RfComm [Bluetooth]",
    BLUETOOTH,
    (32, 1, 3),
    false,
)];
const IRDA_STREAM: [ExpectedProvider; 1] = [provider("MSAFD Irda [IrDA]", IRDA, (26, 1, 1), false)];

/// The base providers this Windows family installs, given the transports it lists (each
/// transport with a WSH helper contributes its providers when the catalog is rebuilt, §4.6).
/// TCP/IPv4 is always expected.
pub fn expected_providers(family: Family, transports: &[String]) -> Vec<ExpectedProvider> {
    let listed = |name: &str| transports.iter().any(|t| t.eq_ignore_ascii_case(name));
    let vista_or_later = matches!(family, Family::Vista7 | Family::Win881 | Family::Win1011);
    let mut out = IPV4.to_vec();
    if family == Family::Xp2003 {
        out.extend(XP_RSVP);
    }
    if vista_or_later {
        if listed("Tcpip6") {
            out.extend(IPV6);
        }
        if listed("Psched") {
            out.extend(QOS);
        }
    }
    for (transport, providers) in [
        ("vmbus", &HYPERV_RAW[..]),
        ("afunix", &UNIX[..]),
        ("RFCOMM", &RFCOMM[..]),
        ("irda", &IRDA_STREAM[..]),
    ] {
        if vista_or_later && listed(transport) {
            out.extend_from_slice(providers);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guid_in_the_tables_parses() {
        for text in MICROSOFT_PROTOCOL_PROVIDERS
            .iter()
            .chain(&MICROSOFT_NAMESPACE_PROVIDERS)
            .chain(KNOWN_THIRD_PARTY_PROVIDERS.iter().map(|(g, _)| g))
        {
            assert!(text.parse::<Guid>().is_ok(), "{text}");
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
