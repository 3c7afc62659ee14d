//! Provider DLLs known to be adware or malware that hooked Winsock, by file name.
//!
//! Sources: HiJackThis O10 checks (`dragokas/hijackthis`, `src/modLSP.bas`: webhdll.dll =
//! WebHancer, newdot* = New.Net, cnmib.dll = CommonName); Panda encyclopedia (New.Net LSP
//! spyware); moby/moby#27423 (`LavasoftTcpService*.dll`, "LavasoftLSP", the Ad-Aware Web
//! Companion PUP that broke Docker networking).

/// (file name pattern in lower case, `*` only at the end; what it is).
const KNOWN: [(&str, &str); 4] = [
    ("webhdll.dll", "WebHancer (spyware LSP)"),
    ("newdot*", "New.Net / NewDotNet (adware LSP)"),
    ("cnmib.dll", "CommonName (adware LSP)"),
    (
        "lavasofttcpservice*",
        "Lavasoft Web Companion LSP (potentially unwanted program)",
    ),
];

/// What a DLL file name (lower case) is known as, if it is on the list.
pub fn known_malicious(file_name: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .find(|(pattern, _)| match pattern.strip_suffix('*') {
            Some(prefix) => file_name.starts_with(prefix),
            None => file_name == *pattern,
        })
        .map(|&(_, what)| what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_names_and_prefixes_only() {
        assert!(known_malicious("webhdll.dll").is_some());
        assert!(known_malicious("newdotnet6_38.dll").is_some());
        assert!(known_malicious("lavasofttcpservice64.dll").is_some());
        assert_eq!(known_malicious("mswsock.dll"), None);
        assert_eq!(known_malicious("xwebhdll.dll"), None);
    }
}
