//! The 16-byte GUID as Windows stores it (Data1..Data3 little-endian, Data4 as bytes), shown as
//! `{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}`.

use std::fmt;
use std::str::FromStr;

/// A GUID in its on-disk byte order.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    pub const LEN: usize = 16;

    /// The GUID stored in the first 16 bytes of `bytes`, if there are that many.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes
            .get(..Self::LEN)
            .and_then(|b| <[u8; 16]>::try_from(b).ok())
            .map(Self)
    }

    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// The GUID written `{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}`, for constants: in a `const`
    /// a malformed text fails the build instead of becoming some other GUID.
    pub const fn from_text(text: &str) -> Self {
        let t = text.as_bytes();
        assert!(
            t.len() == 38 && t[0] == b'{' && t[37] == b'}',
            "expected a braced GUID"
        );
        // The 16 bytes in the order the text shows them.
        let mut shown = [0u8; 16];
        let (mut at, mut n) = (1, 0);
        while at < 37 {
            if matches!(at, 9 | 14 | 19 | 24) {
                assert!(t[at] == b'-', "expected a dash between GUID groups");
                at += 1;
                continue;
            }
            shown[n] = hex_digit(t[at]) << 4 | hex_digit(t[at + 1]);
            n += 1;
            at += 2;
        }
        // Data1..Data3 are stored little-endian, Data4 as shown.
        let s = shown;
        Self([
            s[3], s[2], s[1], s[0], s[5], s[4], s[7], s[6], s[8], s[9], s[10], s[11], s[12], s[13],
            s[14], s[15],
        ])
    }
}

const fn hex_digit(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'F' => c - b'A' + 10,
        b'a'..=b'f' => c - b'a' + 10,
        _ => panic!("expected a hexadecimal digit in a GUID"),
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        let data1 = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        let data2 = u16::from_le_bytes([b[4], b[5]]);
        let data3 = u16::from_le_bytes([b[6], b[7]]);
        write!(f, "{{{data1:08X}-{data2:04X}-{data3:04X}-")?;
        for byte in &b[8..10] {
            write!(f, "{byte:02X}")?;
        }
        f.write_str("-")?;
        for byte in &b[10..16] {
            write!(f, "{byte:02X}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Why a text is not a GUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a GUID like {{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}}, found {0:?}")]
pub struct ParseGuidError(pub String);

impl FromStr for Guid {
    type Err = ParseGuidError;

    /// Accepts the braced or bare form, in any letter case.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseGuidError(text.to_string());
        let inner = text
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .unwrap_or(text);
        let groups: Vec<&str> = inner.split('-').collect();
        let widths = [8, 4, 4, 4, 12];
        if groups.len() != widths.len()
            || groups
                .iter()
                .zip(widths)
                .any(|(g, w)| g.len() != w || !g.bytes().all(|c| c.is_ascii_hexdigit()))
        {
            return Err(error());
        }
        let hex = |s: &str| u64::from_str_radix(s, 16).map_err(|_| error());
        let data1 = hex(groups[0])? as u32;
        let data2 = hex(groups[1])? as u16;
        let data3 = hex(groups[2])? as u16;
        let data4 = (hex(groups[3])? << 48) | hex(groups[4])?;
        let mut bytes = [0u8; 16];
        bytes[0..4].copy_from_slice(&data1.to_le_bytes());
        bytes[4..6].copy_from_slice(&data2.to_le_bytes());
        bytes[6..8].copy_from_slice(&data3.to_le_bytes());
        bytes[8..16].copy_from_slice(&data4.to_be_bytes());
        Ok(Self(bytes))
    }
}

impl serde::Serialize for Guid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The TCP/IP provider GUID as it appears at offset 0x118 of a real PackedCatalogItem
    /// (format doc, Appendix B).
    const TCPIP_BYTES: [u8; 16] = [
        0xa0, 0x1a, 0x0f, 0xe7, 0x8b, 0xab, 0xcf, 0x11, 0x8c, 0xa3, 0x00, 0x80, 0x5f, 0x48, 0xa1,
        0x92,
    ];

    #[test]
    fn formats_mixed_endian_bytes_braced_upper_case() {
        assert_eq!(
            Guid(TCPIP_BYTES).to_string(),
            "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}"
        );
    }

    #[test]
    fn parses_braced_bare_and_lower_case_to_the_same_bytes() {
        for text in [
            "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}",
            "e70f1aa0-ab8b-11cf-8ca3-00805f48a192",
        ] {
            assert_eq!(text.parse::<Guid>().unwrap(), Guid(TCPIP_BYTES), "{text}");
        }
    }

    #[test]
    fn rejects_malformed_text() {
        for text in [
            "",
            "{E70F1AA0-AB8B-11CF-8CA3-00805F48A19}",
            "{E70F1AA0AB8B-11CF-8CA3-00805F48A192}",
            "{G70F1AA0-AB8B-11CF-8CA3-00805F48A192}",
            "{+70F1AA0-AB8B-11CF-8CA3-00805F48A192}",
        ] {
            assert!(text.parse::<Guid>().is_err(), "{text}");
        }
    }

    #[test]
    fn const_text_gives_the_bytes_the_parser_gives() {
        const TCPIP: Guid = Guid::from_text("{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}");
        assert_eq!(TCPIP, Guid(TCPIP_BYTES));
        let lower = "{03fe89ce-766d-4976-b9c1-bb9bc42c7b4d}";
        assert_eq!(Guid::from_text(lower), lower.parse().unwrap());
    }

    #[test]
    #[should_panic(expected = "hexadecimal")]
    fn const_text_refuses_a_typo() {
        Guid::from_text("{E70F1AA0-AB8B-11CF-8CA3-00805F48A19G}");
    }

    #[test]
    fn from_slice_needs_sixteen_bytes() {
        assert_eq!(Guid::from_slice(&TCPIP_BYTES[..15]), None);
        assert_eq!(Guid::from_slice(&TCPIP_BYTES), Some(Guid(TCPIP_BYTES)));
    }
}
