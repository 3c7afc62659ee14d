//! A registry value as stored: name, type code and data bytes, with the typed readings Windows
//! would make of it.

use serde::ser::SerializeStruct;

pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_DWORD_BIG_ENDIAN: u32 = 5;
pub const REG_LINK: u32 = 6;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

/// One value of a key: any type, raw data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawValue {
    pub name: String,
    pub data_type: u32,
    pub data: Vec<u8>,
}

impl RawValue {
    pub fn string(name: &str, data_type: u32, text: &str) -> Self {
        let mut data: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        data.extend_from_slice(&[0, 0]);
        Self {
            name: name.to_string(),
            data_type,
            data,
        }
    }

    pub fn dword(name: &str, value: u32) -> Self {
        Self {
            name: name.to_string(),
            data_type: REG_DWORD,
            data: value.to_le_bytes().to_vec(),
        }
    }

    pub fn binary(name: &str, data: &[u8]) -> Self {
        Self {
            name: name.to_string(),
            data_type: REG_BINARY,
            data: data.to_vec(),
        }
    }

    /// The value as a DWORD: only a REG_DWORD of exactly four bytes is one.
    pub fn as_dword(&self) -> Option<u32> {
        if self.data_type != REG_DWORD {
            return None;
        }
        <[u8; 4]>::try_from(self.data.as_slice())
            .ok()
            .map(u32::from_le_bytes)
    }

    /// The value as text, for REG_SZ and REG_EXPAND_SZ: UTF-16LE up to the first NUL; bad
    /// UTF-16 becomes U+FFFD.
    pub fn as_string(&self) -> Option<String> {
        matches!(self.data_type, REG_SZ | REG_EXPAND_SZ).then(|| utf16_to_nul(&self.data))
    }

    /// The strings of a REG_MULTI_SZ, without the empty string that ends the list.
    pub fn as_multi_string(&self) -> Option<Vec<String>> {
        if self.data_type != REG_MULTI_SZ {
            return None;
        }
        let units: Vec<u16> = utf16_units(&self.data).collect();
        let mut strings: Vec<String> = units
            .split(|&u| u == 0)
            .map(String::from_utf16_lossy)
            .collect();
        while strings.last().is_some_and(String::is_empty) {
            strings.pop();
        }
        Some(strings)
    }

    /// "REG_SZ", "REG_DWORD", ... or the number of an unknown type.
    pub fn type_name(&self) -> String {
        match self.data_type {
            REG_NONE => "REG_NONE".into(),
            REG_SZ => "REG_SZ".into(),
            REG_EXPAND_SZ => "REG_EXPAND_SZ".into(),
            REG_BINARY => "REG_BINARY".into(),
            REG_DWORD => "REG_DWORD".into(),
            REG_DWORD_BIG_ENDIAN => "REG_DWORD_BIG_ENDIAN".into(),
            REG_LINK => "REG_LINK".into(),
            REG_MULTI_SZ => "REG_MULTI_SZ".into(),
            8 => "REG_RESOURCE_LIST".into(),
            9 => "REG_FULL_RESOURCE_DESCRIPTOR".into(),
            10 => "REG_RESOURCE_REQUIREMENTS_LIST".into(),
            REG_QWORD => "REG_QWORD".into(),
            other => format!("{other:#x}"),
        }
    }

    /// Whether this value is called `name`, compared as the registry does (ignoring case).
    pub fn is_named(&self, name: &str) -> bool {
        names_equal(&self.name, name)
    }
}

/// The value called `name` among `values`, ignoring case.
pub fn find<'v>(values: &'v [RawValue], name: &str) -> Option<&'v RawValue> {
    values.iter().find(|v| v.is_named(name))
}

/// Registry names compare case-insensitively.
pub fn names_equal(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_uppercase)
        .eq(b.chars().flat_map(char::to_uppercase))
}

/// Whether the key path `key` is `scope` or lies below it (ASCII letters in any case).
pub fn key_at_or_below(key: &str, scope: &str) -> bool {
    let (key, scope) = (key.as_bytes(), scope.as_bytes());
    key.get(..scope.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(scope))
        && matches!(key.get(scope.len()), None | Some(b'\\'))
}

pub fn utf16_units(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
}

/// UTF-16LE text up to the first NUL (or the end), lossy.
pub fn utf16_to_nul(bytes: &[u8]) -> String {
    let units: Vec<u16> = utf16_units(bytes).take_while(|&u| u != 0).collect();
    String::from_utf16_lossy(&units)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON shape: `{name, type, size, data}`; `data` is the typed reading (string, number, list of
/// strings) or lower-case hex when the type has none or the bytes do not fit the type.
impl serde::Serialize for RawValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("RawValue", 4)?;
        s.serialize_field("name", &self.name)?;
        s.serialize_field("type", &self.type_name())?;
        s.serialize_field("size", &self.data.len())?;
        if let Some(text) = self.as_string() {
            s.serialize_field("data", &text)?;
        } else if let Some(number) = self.as_dword() {
            s.serialize_field("data", &number)?;
        } else if let Some(list) = self.as_multi_string() {
            s.serialize_field("data", &list)?;
        } else {
            s.serialize_field("data", &hex(&self.data))?;
        }
        s.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_round_trips_and_stops_at_nul() {
        let v = RawValue::string("AutodialDLL", REG_SZ, "rasadhlp.dll");
        assert_eq!(v.as_string().as_deref(), Some("rasadhlp.dll"));
        let mut junk = v.clone();
        junk.data.extend_from_slice(b"x\0y\0");
        assert_eq!(junk.as_string().as_deref(), Some("rasadhlp.dll"));
        assert_eq!(v.as_dword(), None);
    }

    #[test]
    fn dword_needs_the_type_and_four_bytes() {
        assert_eq!(RawValue::dword("Start", 1).as_dword(), Some(1));
        assert_eq!(RawValue::binary("Start", &[1, 0, 0, 0]).as_dword(), None);
        let mut short = RawValue::dword("Start", 1);
        short.data.pop();
        assert_eq!(short.as_dword(), None);
    }

    #[test]
    fn multi_string_drops_the_terminating_empty_string() {
        let mut data = Vec::new();
        for s in ["Tcpip", "Tcpip6", ""] {
            data.extend(s.encode_utf16().flat_map(u16::to_le_bytes));
            data.extend_from_slice(&[0, 0]);
        }
        let v = RawValue {
            name: "Transports".into(),
            data_type: REG_MULTI_SZ,
            data,
        };
        assert_eq!(v.as_multi_string().unwrap(), vec!["Tcpip", "Tcpip6"]);
    }

    #[test]
    fn names_compare_ignoring_case() {
        assert!(names_equal("MinSockaddrLength", "MinSockAddrLength"));
        assert!(!names_equal("Version", "Versions"));
    }

    #[test]
    fn key_paths_are_at_or_below_their_scope() {
        let scope = r"Services\WinSock2\Parameters";
        assert!(key_at_or_below(r"services\winsock2\PARAMETERS", scope));
        assert!(key_at_or_below(
            r"Services\WinSock2\Parameters\Protocol_Catalog9",
            scope
        ));
        assert!(!key_at_or_below(r"Services\WinSock2\Parameters2", scope));
        assert!(!key_at_or_below(r"Services\WinSock2", scope));
    }
}
