//! Names for well-known providers: Microsoft's provider GUIDs (format doc §4.1), and the text
//! behind the MUI indirect strings (`@%SystemRoot%\System32\mswsock.dll,-60100`) that Vista and
//! later store instead of names. Offline there are no resource DLLs to load, so the texts are
//! the ones `netsh winsock show catalog` prints for them.

use crate::winsock::guid::Guid;

/// (provider GUID, what it is).
const PROVIDERS: [(&str, &str); 17] = [
    (
        "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}",
        "MSAFD Tcpip (IPv4)",
    ),
    (
        "{F9EAB0C0-26D4-11D0-BBBF-00AA006C34E4}",
        "MSAFD Tcpip (IPv6)",
    ),
    (
        "{9D60A9E0-337A-11D0-BD88-0000C082E69A}",
        "RSVP/QoS (Psched)",
    ),
    ("{8D5F1830-C273-11CF-95C8-00805F48A192}", "MSAFD NetBIOS"),
    ("{1234191B-4BF7-4CA7-86E0-DFD7C32B5445}", "Hyper-V RAW"),
    ("{A00943D9-9C2E-4633-9B59-0057A3160994}", "AF_UNIX"),
    ("{9FC48064-7298-43E4-B7BD-181F2089792A}", "MSAFD Bluetooth"),
    ("{3972523D-2AF1-11D1-B655-00805F3642CC}", "MSAFD Irda"),
    (
        "{570ADC4B-67B2-42CE-92B2-ACD33D88D842}",
        "VMware vSockets (third party)",
    ),
    (
        "{9980498C-E732-482B-9F67-924273A56666}",
        "Red Hat virtio vsock (third party)",
    ),
    (
        "{22059D40-7E9E-11CF-AE5A-00AA00A7112B}",
        "DNS namespace (Tcpip)",
    ),
    ("{3B2637EE-E580-11CF-A555-00C04FD8D4AC}", "NTDS namespace"),
    ("{6642243A-3BA8-4AA6-BAA5-2E0BD71FDD83}", "NLA namespace"),
    (
        "{964ACBA2-B2BC-40EB-8C6A-A6DB40161CAE}",
        "E-mail naming shim",
    ),
    (
        "{03FE89CE-766D-4976-B9C1-BB9BC42C7B4D}",
        "PNRP cloud namespace",
    ),
    (
        "{03FE89CD-766D-4976-B9C1-BB9BC42C7B4D}",
        "PNRP name namespace",
    ),
    (
        "{06AA63E0-7D60-41FF-AFB2-3EE6D2D9392D}",
        "Bluetooth namespace",
    ),
];

/// (resource DLL file name in lower case, string id, text).
const MUI_STRINGS: [(&str, u32, &str); 22] = [
    ("mswsock.dll", 60100, "MSAFD Tcpip [TCP/IP]"),
    ("mswsock.dll", 60101, "MSAFD Tcpip [UDP/IP]"),
    ("mswsock.dll", 60102, "MSAFD Tcpip [RAW/IP]"),
    ("mswsock.dll", 60200, "MSAFD Tcpip [TCP/IPv6]"),
    ("mswsock.dll", 60201, "MSAFD Tcpip [UDP/IPv6]"),
    ("mswsock.dll", 60202, "MSAFD Tcpip [RAW/IPv6]"),
    ("wshtcpip.dll", 60100, "MSAFD Tcpip [TCP/IP]"),
    ("wshtcpip.dll", 60101, "MSAFD Tcpip [UDP/IP]"),
    ("wshtcpip.dll", 60102, "MSAFD Tcpip [RAW/IP]"),
    ("wshtcpip.dll", 60103, "Tcpip"),
    ("wship6.dll", 60100, "MSAFD Tcpip [TCP/IPv6]"),
    ("wship6.dll", 60101, "MSAFD Tcpip [UDP/IPv6]"),
    ("wship6.dll", 60102, "MSAFD Tcpip [RAW/IPv6]"),
    ("wshqos.dll", 100, "RSVP TCPv6 Service Provider"),
    ("wshqos.dll", 101, "RSVP TCP Service Provider"),
    ("wshqos.dll", 102, "RSVP UDPv6 Service Provider"),
    ("wshqos.dll", 103, "RSVP UDP Service Provider"),
    ("napinsp.dll", 1000, "E-mail Naming Shim Provider"),
    ("pnrpnsp.dll", 1000, "PNRP Cloud Namespace Provider"),
    ("pnrpnsp.dll", 1001, "PNRP Name Namespace Provider"),
    (
        "nlasvc.dll",
        1000,
        "Network Location Awareness Legacy (NLAv1) Namespace",
    ),
    ("winrnr.dll", 1000, "NTDS"),
];

/// What a well-known provider GUID belongs to.
pub fn provider_name(id: &Guid) -> Option<&'static str> {
    PROVIDERS
        .iter()
        .find(|(text, _)| text.parse::<Guid>().is_ok_and(|g| g == *id))
        .map(|&(_, name)| name)
}

/// `("mswsock.dll", 60100)` for `@%SystemRoot%\System32\mswsock.dll,-60100`; `None` when the
/// text is not an indirect string.
pub fn parse_indirect(text: &str) -> Option<(String, u32)> {
    let (path, id) = text.strip_prefix('@')?.rsplit_once(",-")?;
    let file = path.rsplit(['\\', '/']).next()?.to_ascii_lowercase();
    Some((file, id.trim().parse().ok()?))
}

/// The text to show for a name as stored: the known text of an indirect string, the name
/// itself when it is literal, `None` for an indirect string we do not know.
pub fn display_name(stored: &str) -> Option<String> {
    match parse_indirect(stored) {
        None => Some(stored.to_string()),
        Some((file, id)) => MUI_STRINGS
            .iter()
            .find(|&&(f, i, _)| f == file && i == id)
            .map(|&(_, _, text)| text.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indirect_strings_resolve_ignoring_path_case() {
        assert_eq!(
            display_name(r"@%SystemRoot%\System32\mswsock.dll,-60100").as_deref(),
            Some("MSAFD Tcpip [TCP/IP]")
        );
        assert_eq!(
            display_name(r"@%SystemRoot%\system32\WSHQOS.DLL,-103").as_deref(),
            Some("RSVP UDP Service Provider")
        );
        assert_eq!(display_name(r"@%SystemRoot%\System32\mswsock.dll,-1"), None);
    }

    #[test]
    fn literal_names_are_their_own_display_name() {
        assert_eq!(display_name("Hyper-V RAW").as_deref(), Some("Hyper-V RAW"));
        assert_eq!(parse_indirect("MSAFD Tcpip [TCP/IP]"), None);
    }

    #[test]
    fn every_table_guid_parses_and_resolves() {
        for (text, name) in PROVIDERS {
            let guid: Guid = text.parse().unwrap();
            assert_eq!(guid.to_string(), text);
            assert_eq!(provider_name(&guid), Some(name));
        }
        assert_eq!(provider_name(&Guid::default()), None);
    }
}
