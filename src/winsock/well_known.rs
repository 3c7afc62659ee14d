//! Names for well-known providers (from [`crate::winsock::providers`]), and the text
//! behind the MUI indirect strings (`@%SystemRoot%\System32\mswsock.dll,-60100`) that Vista and
//! later store instead of names. Offline there are no resource DLLs to load, so the texts are
//! the ones `netsh winsock show catalog` prints for them.

use crate::winsock::guid::Guid;
use crate::winsock::providers::lookup;

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
    lookup(id)?.name
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
}
