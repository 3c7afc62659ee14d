//! The full default catalog entries per Windows family, as the transports' WSH helpers make
//! them when the catalog is rebuilt (format doc §4, §4.6, Appendix A; every field taken from
//! the real hives of each family). [`crate::winsock::defaults`] says which providers are
//! expected; this module says what their entries hold and where they go, so a repair can
//! re-create a missing one and put the catalog in the order Windows does.

use crate::hive::value::{REG_EXPAND_SZ, REG_SZ, RawValue};
use crate::winsock::family::Family;
use crate::winsock::guid::Guid;
use crate::winsock::namespace_entry::NamespaceProvider;
use crate::winsock::packed_item::{BASE_PROTOCOL, PackedCatalogItem};
use crate::winsock::providers::{
    AF_UNIX, BLUETOOTH, BTH_NS, DNS, EMAIL, HYPERV, IPX, IRDA, NETBIOS, NLA, NTDS, PNRP_CLOUD,
    PNRP_NAME, RSVP, SAP, SPX, TCPIP, TCPIP6,
};

const MSWSOCK: &str = r"%SystemRoot%\system32\mswsock.dll";
const MSAFD: &str = r"%SystemRoot%\system32\msafd.dll";
const RSVPSP: &str = r"%SystemRoot%\system32\rsvpsp.dll";

/// One base provider entry as Windows installs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultProtocol {
    /// The `Transports` name whose helper installs it.
    pub transport: &'static str,
    pub provider_id: Guid,
    pub library_path: &'static str,
    pub sz_protocol: &'static str,
    pub service_flags1: u32,
    pub provider_flags: u32,
    pub version: i32,
    pub address_family: i32,
    pub socket_type: i32,
    pub protocol: i32,
    pub min_sockaddr_length: i32,
    pub max_sockaddr_length: i32,
    pub protocol_max_offset: i32,
    pub message_size: u32,
    /// Whether a healthy catalog must hold it (when its transport is listed); `false` for an
    /// entry that is kept when present but never created.
    pub expected: bool,
}

/// `(af, type, protocol)`, `(min, max)` sockaddr lengths, `(service flags 1, provider flags,
/// message size)`.
type Shape = ((i32, i32, i32), (i32, i32), (u32, u32, u32));

const fn entry(
    transport: &'static str,
    provider_id: Guid,
    library_path: &'static str,
    sz_protocol: &'static str,
    shape: Shape,
) -> DefaultProtocol {
    let ((address_family, socket_type, protocol), (min, max), (flags1, pfl, msg)) = shape;
    DefaultProtocol {
        transport,
        provider_id,
        library_path,
        sz_protocol,
        service_flags1: flags1,
        provider_flags: pfl,
        version: 2,
        address_family,
        socket_type,
        protocol,
        min_sockaddr_length: min,
        max_sockaddr_length: max,
        // Raw sockets take any protocol up to 255.
        protocol_max_offset: if socket_type == 3 { 255 } else { 0 },
        message_size: msg,
        expected: true,
    }
}

const TCP: u32 = 0x20066;
const DGRAM: u32 = 0x20609;

/// TCP, UDP and RAW over IPv4 (or IPv6: `(af, sockaddr length)` = (23, 28)) with the given
/// path and names, and the UDP and RAW message sizes.
const fn ip(
    transport: &'static str,
    guid: Guid,
    path: &'static str,
    (af, len): (i32, i32),
    names: [&'static str; 3],
    (dgram_size, raw_size): (u32, u32),
) -> [DefaultProtocol; 3] {
    [
        entry(
            transport,
            guid,
            path,
            names[0],
            ((af, 1, 6), (len, len), (TCP, 8, 0)),
        ),
        entry(
            transport,
            guid,
            path,
            names[1],
            ((af, 2, 17), (len, len), (DGRAM, 8, dgram_size)),
        ),
        entry(
            transport,
            guid,
            path,
            names[2],
            ((af, 3, 0), (len, len), (DGRAM, 0xC, raw_size)),
        ),
    ]
}

const LITERAL_IPV4: [&str; 3] = [
    "MSAFD Tcpip [TCP/IP]",
    "MSAFD Tcpip [UDP/IP]",
    "MSAFD Tcpip [RAW/IP]",
];

const NT4_TCPIP: [DefaultProtocol; 3] = ip(
    "Tcpip",
    TCPIP,
    MSAFD,
    (2, 16),
    LITERAL_IPV4,
    (0xFFBB, 0xFFBB),
);
const NT4_NWLINK: [DefaultProtocol; 5] = [
    entry(
        "NwlnkIpx",
        IPX,
        MSAFD,
        "MSAFD NwlnkIpx [IPX]",
        ((6, 2, 1000), (14, 16), (DGRAM, 0, 0x240)),
    ),
    entry(
        "NwlnkSpx",
        SPX,
        MSAFD,
        "MSAFD NwlnkSpx [SPX]",
        ((6, 5, 1256), (14, 16), (0x2001E, 3, u32::MAX)),
    ),
    entry(
        "NwlnkSpx",
        SPX,
        MSAFD,
        "MSAFD NwlnkSpx [SPX] [Pseudo Stream]",
        ((6, 1, 1256), (14, 16), (0x2001E, 1, 0)),
    ),
    entry(
        "NwlnkSpx",
        SPX,
        MSAFD,
        "MSAFD NwlnkSpx [SPX II]",
        ((6, 5, 1257), (14, 16), (0x2003E, 3, u32::MAX)),
    ),
    entry(
        "NwlnkSpx",
        SPX,
        MSAFD,
        "MSAFD NwlnkSpx [SPX II] [Pseudo Stream]",
        ((6, 1, 1257), (14, 16), (0x2003E, 1, 0)),
    ),
];

const XP_TCPIP: [DefaultProtocol; 3] = ip(
    "Tcpip",
    TCPIP,
    MSWSOCK,
    (2, 16),
    LITERAL_IPV4,
    (0xFFBB, 0xFFBB),
);
/// XP's RSVP providers live in rsvpsp.dll, come right after TCP/IP and carry iVersion 6 (both
/// XP hives).
const XP_RSVP: [DefaultProtocol; 2] = [
    DefaultProtocol {
        version: 6,
        ..entry(
            "Tcpip",
            RSVP,
            RSVPSP,
            "RSVP UDP Service Provider",
            ((2, 2, 17), (16, 16), (0x22609, 8, 0xFFBB)),
        )
    },
    DefaultProtocol {
        version: 6,
        ..entry(
            "Tcpip",
            RSVP,
            RSVPSP,
            "RSVP TCP Service Provider",
            ((2, 1, 6), (16, 16), (0x22066, 8, 0)),
        )
    },
];

const VISTA_TCPIP: [DefaultProtocol; 3] = ip(
    "Tcpip",
    TCPIP,
    MSWSOCK,
    (2, 16),
    [
        r"@%SystemRoot%\System32\wshtcpip.dll,-60100",
        r"@%SystemRoot%\System32\wshtcpip.dll,-60101",
        r"@%SystemRoot%\System32\wshtcpip.dll,-60102",
    ],
    (0xFFF7, 0x8000),
);
const VISTA_TCPIP6: [DefaultProtocol; 3] = ip(
    "Tcpip6",
    TCPIP6,
    MSWSOCK,
    (23, 28),
    [
        r"@%SystemRoot%\System32\wship6.dll,-60100",
        r"@%SystemRoot%\System32\wship6.dll,-60101",
        r"@%SystemRoot%\System32\wship6.dll,-60102",
    ],
    (0xFFF7, 0x8000),
);
const WIN8_TCPIP: [DefaultProtocol; 3] = ip(
    "Tcpip",
    TCPIP,
    MSWSOCK,
    (2, 16),
    [
        r"@%SystemRoot%\System32\mswsock.dll,-60100",
        r"@%SystemRoot%\System32\mswsock.dll,-60101",
        r"@%SystemRoot%\System32\mswsock.dll,-60102",
    ],
    (0xFFF7, 0x8000),
);
const WIN8_TCPIP6: [DefaultProtocol; 3] = ip(
    "Tcpip6",
    TCPIP6,
    MSWSOCK,
    (23, 28),
    [
        r"@%SystemRoot%\System32\mswsock.dll,-60200",
        r"@%SystemRoot%\System32\mswsock.dll,-60201",
        r"@%SystemRoot%\System32\mswsock.dll,-60202",
    ],
    (0xFFF7, 0x8000),
);
/// Vista and later: QoS over both IP versions, hosted by mswsock.dll, named by wshqos.dll.
const QOS: [DefaultProtocol; 4] = [
    entry(
        "Psched",
        RSVP,
        MSWSOCK,
        r"@%SystemRoot%\System32\wshqos.dll,-100",
        ((23, 1, 6), (28, 28), (0x22066, 8, 0)),
    ),
    entry(
        "Psched",
        RSVP,
        MSWSOCK,
        r"@%SystemRoot%\System32\wshqos.dll,-101",
        ((2, 1, 6), (16, 16), (0x22066, 8, 0)),
    ),
    entry(
        "Psched",
        RSVP,
        MSWSOCK,
        r"@%SystemRoot%\System32\wshqos.dll,-102",
        ((23, 2, 17), (28, 28), (0x22609, 8, 0xFFF7)),
    ),
    entry(
        "Psched",
        RSVP,
        MSWSOCK,
        r"@%SystemRoot%\System32\wshqos.dll,-103",
        ((2, 2, 17), (16, 16), (0x22609, 8, 0xFFF7)),
    ),
];
const WIN10_EXTRA: [DefaultProtocol; 5] = [
    entry(
        "vmbus",
        HYPERV,
        MSWSOCK,
        "Hyper-V RAW",
        ((34, 1, 1), (36, 36), (0x20026, 8, 0)),
    ),
    entry(
        "afunix",
        AF_UNIX,
        MSWSOCK,
        "AF_UNIX",
        ((1, 1, 0), (2, 110), (0x20026, 8, 0)),
    ),
    entry(
        "irda",
        IRDA,
        MSWSOCK,
        "MSAFD Irda [IrDA]",
        ((26, 1, 1), (8, 32), (0x20006, 8, 0)),
    ),
    // L2CAP is there on some machines only (1903 has it, 1709 not): kept, never created.
    DefaultProtocol {
        expected: false,
        ..entry(
            "RFCOMM",
            BLUETOOTH,
            MSWSOCK,
            "MSAFD L2CAP [Bluetooth]",
            ((32, 1, 256), (30, 30), (0x20006, 8, 0)),
        )
    },
    entry(
        "RFCOMM",
        BLUETOOTH,
        MSWSOCK,
        "MSAFD RfComm [Bluetooth]",
        ((32, 1, 3), (30, 30), (0x20026, 8, 0)),
    ),
];

/// Every default base provider entry a family may hold, grouped by transport in the order
/// each helper reports them. Which of them a catalog must hold is
/// [`crate::winsock::defaults::expected_providers`].
pub fn default_protocols(family: Family) -> Vec<DefaultProtocol> {
    let mut out = Vec::new();
    match family {
        Family::Nt4 => {
            out.extend(NT4_TCPIP);
            out.extend(NT4_NWLINK);
        }
        Family::Xp2003 => {
            out.extend(XP_TCPIP);
            out.extend(XP_RSVP);
        }
        Family::Vista7 => {
            out.extend(VISTA_TCPIP);
            out.extend(VISTA_TCPIP6);
            out.extend(QOS);
        }
        Family::Win881 | Family::Win1011 | Family::Unknown => {
            out.extend(WIN8_TCPIP);
            out.extend(WIN8_TCPIP6);
            out.extend(QOS);
            if family == Family::Win1011 {
                out.extend(WIN10_EXTRA);
            }
        }
    }
    out
}

impl DefaultProtocol {
    pub fn provider_guid(&self) -> Guid {
        self.provider_id
    }

    pub fn triple(&self) -> (i32, i32, i32) {
        (self.address_family, self.socket_type, self.protocol)
    }

    /// The decoded entry with catalog ID `id`.
    pub fn item(&self, id: u32) -> PackedCatalogItem {
        PackedCatalogItem {
            library_path: self.library_path.to_string(),
            library_path_bytes: self.library_path.as_bytes().to_vec(),
            service_flags1: self.service_flags1,
            provider_flags: self.provider_flags,
            provider_id: self.provider_guid(),
            catalog_entry_id: id,
            chain_len: BASE_PROTOCOL,
            version: self.version,
            address_family: self.address_family,
            max_sockaddr_length: self.max_sockaddr_length,
            min_sockaddr_length: self.min_sockaddr_length,
            socket_type: self.socket_type,
            protocol: self.protocol,
            protocol_max_offset: self.protocol_max_offset,
            message_size: self.message_size,
            sz_protocol: self.sz_protocol.to_string(),
            value_length: crate::winsock::packed_item::PACKED_ITEM_LEN,
            ..PackedCatalogItem::default()
        }
    }
}

/// Whether entries of this family carry a separate `ProtocolName` value (Windows 7 and later;
/// not on XP, format doc §1.3).
pub fn has_protocol_name_values(family: Family) -> bool {
    matches!(family, Family::Vista7 | Family::Win881 | Family::Win1011)
}

/// The transport whose helper installs base provider `guid` (for ordering and IDs).
pub fn transport_of(family: Family, guid: &Guid) -> Option<&'static str> {
    let table: [(Guid, &str); 9] = [
        (TCPIP, "Tcpip"),
        (TCPIP6, "Tcpip6"),
        // XP's rsvpsp.dll providers come with TCP/IP; later ones with the QoS packet scheduler.
        (
            RSVP,
            if family <= Family::Xp2003 {
                "Tcpip"
            } else {
                "Psched"
            },
        ),
        (NETBIOS, "NetBIOS"),
        (HYPERV, "vmbus"),
        (AF_UNIX, "afunix"),
        (BLUETOOTH, "RFCOMM"),
        (IRDA, "irda"),
        (IPX, "NwlnkIpx"),
    ];
    if *guid == SPX {
        return Some("NwlnkSpx");
    }
    table.iter().find(|(g, _)| g == guid).map(|&(_, t)| t)
}

/// Where a transport's entries go in the rebuilt key order: Hyper-V and AF_UNIX first, then
/// IPv4, IPv6 and QoS (Windows moves the QoS entries after IPv6, §4.6), then the others in
/// `Transports` order. Matches every real hive (7, 8.1, 10 1709 and 1903, XP, NT 4.0).
pub fn key_order_rank(transport: &str, transports: &[String]) -> usize {
    const FIRST: [&str; 5] = ["vmbus", "afunix", "Tcpip", "Tcpip6", "Psched"];
    if let Some(i) = FIRST.iter().position(|t| t.eq_ignore_ascii_case(transport)) {
        return i;
    }
    FIRST.len()
        + transports
            .iter()
            .position(|t| t.eq_ignore_ascii_case(transport))
            .unwrap_or(transports.len())
}

/// The `Transports` list Windows writes for a family, in its order; a rebuilt list keeps the
/// ones whose `Services\<T>\Parameters\Winsock` key exists (and always Tcpip).
pub fn default_transports(family: Family) -> &'static [&'static str] {
    match family {
        Family::Nt4 => &["Tcpip", "NwlnkIpx", "NwlnkSpx", "NetBIOS"],
        Family::Xp2003 => &["Tcpip", "NetBIOS", "NwlnkIpx", "NwlnkSpx"],
        Family::Vista7 => &["Tcpip6", "Psched", "Tcpip", "NetBIOS"],
        Family::Win881 => &["Tcpip", "Tcpip6", "Psched"],
        Family::Win1011 | Family::Unknown => &[
            "vmbus", "Psched", "afunix", "Tcpip", "Tcpip6", "irda", "RFCOMM",
        ],
    }
}

/// One default namespace provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DefaultNamespace {
    pub library_path: &'static str,
    pub display_string: &'static str,
    pub provider_id: Guid,
    pub name_space: u32,
    pub version: u32,
    /// Only when this transport is listed (NWLink's SAP provider).
    pub needs_transport: Option<&'static str>,
}

const fn ns(
    library_path: &'static str,
    display_string: &'static str,
    provider_id: Guid,
    name_space: u32,
) -> DefaultNamespace {
    DefaultNamespace {
        library_path,
        display_string,
        provider_id,
        name_space,
        version: 0,
        needs_transport: None,
    }
}

const NLA_VISTA: DefaultNamespace = ns(
    r"%SystemRoot%\system32\NLAapi.dll",
    r"@%SystemRoot%\system32\nlasvc.dll,-1000",
    NLA,
    15,
);
const EMAIL_SHIM: DefaultNamespace = ns(
    r"%SystemRoot%\system32\napinsp.dll",
    r"@%SystemRoot%\system32\napinsp.dll,-1000",
    EMAIL,
    37,
);
const PNRP_CLOUD_NS: DefaultNamespace = ns(
    r"%SystemRoot%\system32\pnrpnsp.dll",
    r"@%SystemRoot%\system32\pnrpnsp.dll,-1000",
    PNRP_CLOUD,
    39,
);
const PNRP_NAME_NS: DefaultNamespace = ns(
    r"%SystemRoot%\system32\pnrpnsp.dll",
    r"@%SystemRoot%\system32\pnrpnsp.dll,-1001",
    PNRP_NAME,
    38,
);
const DNS_VISTA: DefaultNamespace = ns(
    r"%SystemRoot%\System32\mswsock.dll",
    r"@%SystemRoot%\system32\wshtcpip.dll,-60103",
    DNS,
    12,
);
const NTDS_WIN8: DefaultNamespace = ns(
    r"%SystemRoot%\System32\winrnr.dll",
    r"@%SystemRoot%\System32\winrnr.dll,-1000",
    NTDS,
    32,
);

/// The namespace providers of a family, in the order of its real hives (Appendix A).
pub fn default_namespaces(family: Family, transports: &[String]) -> Vec<DefaultNamespace> {
    let all: Vec<DefaultNamespace> = match family {
        Family::Nt4 => vec![
            ns(r"%SystemRoot%\System32\rnr20.dll", "TCP/IP", DNS, 12),
            DefaultNamespace {
                version: 1,
                needs_transport: Some("NwlnkIpx"),
                ..ns(
                    r"%SystemRoot%\System32\nwprovau.dll",
                    "NWLink IPX/SPX Compatible Transport Protocol",
                    SAP,
                    1,
                )
            },
        ],
        Family::Xp2003 => vec![
            ns(r"%SystemRoot%\System32\mswsock.dll", "Tcpip", DNS, 12),
            ns(r"%SystemRoot%\System32\winrnr.dll", "NTDS", NTDS, 32),
            ns(
                r"%SystemRoot%\System32\mswsock.dll",
                "Network Location Awareness (NLA) Namespace",
                NLA,
                15,
            ),
        ],
        Family::Vista7 => vec![
            NLA_VISTA,
            EMAIL_SHIM,
            PNRP_CLOUD_NS,
            PNRP_NAME_NS,
            DNS_VISTA,
            ns(r"%SystemRoot%\System32\winrnr.dll", "NTDS", NTDS, 32),
        ],
        Family::Win881 => vec![
            EMAIL_SHIM,
            PNRP_CLOUD_NS,
            PNRP_NAME_NS,
            NLA_VISTA,
            DNS_VISTA,
            NTDS_WIN8,
        ],
        Family::Win1011 | Family::Unknown => vec![
            EMAIL_SHIM,
            PNRP_CLOUD_NS,
            PNRP_NAME_NS,
            DNS_VISTA,
            NTDS_WIN8,
            NLA_VISTA,
            ns(
                r"%SystemRoot%\system32\wshbth.dll",
                "Bluetooth Namespace",
                BTH_NS,
                16,
            ),
        ],
    };
    all.into_iter()
        .filter(|d| {
            d.needs_transport
                .is_none_or(|t| transports.iter().any(|l| l.eq_ignore_ascii_case(t)))
        })
        .collect()
}

impl DefaultNamespace {
    pub fn provider_guid(&self) -> Guid {
        self.provider_id
    }

    /// The provider as Windows registers it (Vista and later add an empty `ProviderInfo`).
    pub fn provider(&self, family: Family) -> NamespaceProvider {
        NamespaceProvider {
            library_path: Some(self.library_path.to_string()),
            display_string: Some(self.display_string.to_string()),
            provider_id: Some(self.provider_guid()),
            name_space: Some(self.name_space),
            enabled: Some(1),
            version: Some(self.version),
            stores_service_class_info: Some(0),
            provider_info: (family >= Family::Vista7).then(Vec::new),
            address_family: None,
            other_values: Vec::new(),
        }
    }
}

/// The values of `Services\WinSock2\Parameters` on a fresh install of the family.
pub fn winsock2_parameters(family: Family) -> Vec<RawValue> {
    let mut out = vec![
        RawValue::string("Current_Protocol_Catalog", REG_SZ, "Protocol_Catalog9"),
        RawValue::string("Current_NameSpace_Catalog", REG_SZ, "NameSpace_Catalog5"),
        RawValue::string("WinSock_Registry_Version", REG_SZ, "2.0"),
    ];
    match family {
        Family::Vista7 => out.push(RawValue::string("AutodialDLL", REG_SZ, "rasadhlp.dll")),
        Family::Win881 | Family::Win1011 | Family::Unknown => out.push(RawValue::string(
            "AutodialDLL",
            REG_SZ,
            r"C:\Windows\System32\rasadhlp.dll",
        )),
        Family::Nt4 | Family::Xp2003 => {}
    }
    if family >= Family::Vista7 {
        out.push(RawValue::string(
            "NameSpace_Callout",
            REG_EXPAND_SZ,
            r"%SystemRoot%\System32\fwpuclnt.dll",
        ));
    }
    out
}

/// The default of a hook value of `WinSock2\Parameters`, when the family has it.
pub fn winsock2_parameter(family: Family, name: &str) -> Option<RawValue> {
    winsock2_parameters(family)
        .into_iter()
        .find(|v| v.is_named(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_encode_as_base_entries() {
        for template in default_protocols(Family::Win1011) {
            let bytes = template.item(1001).encode().unwrap();
            let item = PackedCatalogItem::decode(&bytes).unwrap();
            assert_eq!(item.chain_len, BASE_PROTOCOL);
            assert_eq!(item.sz_protocol, template.sz_protocol);
            assert_eq!(
                transport_of(Family::Win1011, &item.provider_id),
                Some(template.transport)
            );
        }
    }

    #[test]
    fn key_order_puts_qos_after_ipv6() {
        let listed = ["vmbus", "Psched", "Tcpip", "Tcpip6", "irda", "RFCOMM"].map(String::from);
        let mut order = listed.clone();
        order.sort_by_key(|t| key_order_rank(t, &listed));
        assert_eq!(
            order,
            ["vmbus", "Tcpip", "Tcpip6", "Psched", "irda", "RFCOMM"]
        );
    }
}
