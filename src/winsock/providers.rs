//! The one table of provider GUIDs this project knows (format doc §4.1): Microsoft's base and
//! namespace providers, and third-party base providers that are not a problem. Every other
//! table (defaults, names, transports) names its providers with these constants.

use crate::winsock::guid::Guid;

pub const TCPIP: Guid = Guid::from_text("{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}");
pub const TCPIP6: Guid = Guid::from_text("{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}");
pub const RSVP: Guid = Guid::from_text("{9D60A9E0-337A-11D0-BD88-0000C082E69A}");
pub const NETBIOS: Guid = Guid::from_text("{8D5F1830-C273-11CF-95C8-00805F48A192}");
pub const HYPERV: Guid = Guid::from_text("{1234191B-4BF7-4CA7-86E0-DFD7C32B5445}");
pub const AF_UNIX: Guid = Guid::from_text("{A00943D9-9C2E-4633-9B59-0057A3160994}");
pub const BLUETOOTH: Guid = Guid::from_text("{9FC48064-7298-43E4-B7BD-181F2089792A}");
pub const IRDA: Guid = Guid::from_text("{3972523D-2AF1-11D1-B655-00805F3642CC}");
/// NWLink IPX and SPX, as in the NT 4.0 SP3 hive.
pub const IPX: Guid = Guid::from_text("{11058240-BE47-11CF-95C8-00805F48A192}");
pub const SPX: Guid = Guid::from_text("{11058241-BE47-11CF-95C8-00805F48A192}");
pub const VMWARE_VSOCK: Guid = Guid::from_text("{570ADC4B-67B2-42CE-92B2-ACD33D88D842}");
pub const VIRTIO_VSOCK: Guid = Guid::from_text("{9980498C-E732-482B-9F67-924273A56666}");

pub const DNS: Guid = Guid::from_text("{22059D40-7E9E-11CF-AE5A-00AA00A7112B}");
pub const NTDS: Guid = Guid::from_text("{3B2637EE-E580-11CF-A555-00C04FD8D4AC}");
pub const NLA: Guid = Guid::from_text("{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}");
pub const EMAIL: Guid = Guid::from_text("{964ACBA2-B2BC-40EB-8C6A-A6DB40161CAE}");
pub const PNRP_CLOUD: Guid = Guid::from_text("{03FE89CE-766D-4976-B9C1-BB9BC42C7B4D}");
pub const PNRP_NAME: Guid = Guid::from_text("{03FE89CD-766D-4976-B9C1-BB9BC42C7B4D}");
pub const BTH_NS: Guid = Guid::from_text("{06AA63E0-7D60-41FF-AFB2-3EE6D2D9392D}");
/// NWLink SAP, NT 4.0.
pub const SAP: Guid = Guid::from_text("{E02DAAF0-7E9F-11CF-AE5A-00AA00A7112B}");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    MicrosoftProtocol,
    MicrosoftNamespace,
    /// A third-party base provider that is not a problem, with the product it belongs to.
    ThirdParty(&'static str),
}

/// One known provider: its GUID, kind and the name reports give it (`None`: shown by GUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownProvider {
    pub id: Guid,
    pub kind: Kind,
    pub name: Option<&'static str>,
}

const fn known(id: Guid, kind: Kind, name: Option<&'static str>) -> KnownProvider {
    KnownProvider { id, kind, name }
}

use Kind::{MicrosoftNamespace as Namespace, MicrosoftProtocol as Protocol, ThirdParty};

pub const PROVIDERS: [KnownProvider; 20] = [
    known(TCPIP, Protocol, Some("MSAFD Tcpip (IPv4)")),
    known(TCPIP6, Protocol, Some("MSAFD Tcpip (IPv6)")),
    known(RSVP, Protocol, Some("RSVP/QoS (Psched)")),
    known(NETBIOS, Protocol, Some("MSAFD NetBIOS")),
    known(HYPERV, Protocol, Some("Hyper-V RAW")),
    known(AF_UNIX, Protocol, Some("AF_UNIX")),
    known(BLUETOOTH, Protocol, Some("MSAFD Bluetooth")),
    known(IRDA, Protocol, Some("MSAFD Irda")),
    known(IPX, Protocol, None),
    known(SPX, Protocol, None),
    known(
        VMWARE_VSOCK,
        ThirdParty("VMware vSockets / VMCI"),
        Some("VMware vSockets (third party)"),
    ),
    known(
        VIRTIO_VSOCK,
        ThirdParty("Red Hat virtio vsock"),
        Some("Red Hat virtio vsock (third party)"),
    ),
    known(DNS, Namespace, Some("DNS namespace (Tcpip)")),
    known(NTDS, Namespace, Some("NTDS namespace")),
    known(NLA, Namespace, Some("NLA namespace")),
    known(EMAIL, Namespace, Some("E-mail naming shim")),
    known(PNRP_CLOUD, Namespace, Some("PNRP cloud namespace")),
    known(PNRP_NAME, Namespace, Some("PNRP name namespace")),
    known(BTH_NS, Namespace, Some("Bluetooth namespace")),
    known(SAP, Namespace, None),
];

pub fn lookup(id: &Guid) -> Option<&'static KnownProvider> {
    PROVIDERS.iter().find(|p| p.id == *id)
}

pub fn is_kind(id: &Guid, kind: Kind) -> bool {
    lookup(id).is_some_and(|p| p.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_guid_is_listed_once_and_shows_as_written() {
        for (i, p) in PROVIDERS.iter().enumerate() {
            assert_eq!(lookup(&p.id), Some(&PROVIDERS[i]), "{}", p.id);
        }
        assert_eq!(TCPIP.to_string(), "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}");
        assert_eq!(lookup(&Guid::default()), None);
    }
}
