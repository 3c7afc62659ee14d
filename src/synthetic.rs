//! Synthetic SYSTEM hives from a readable description (TOML): the bundled hives in `hives/` are
//! made this way, so that anyone can read what is in them and regenerate them byte-identically.
//!
//! A description has plain keys and values, and catalog entries written field by field (the
//! names are those of `catalog --json`); the entries are encoded into `PackedCatalogItem` and
//! namespace values by the same code that reads them.
//!
//! ```toml
//! minor_version = 5
//! timestamp = "2017-09-29T12:00:00Z"
//!
//! [keys.'Select']
//! Current = 1                                     # integer: REG_DWORD
//! [keys.'ControlSet001\Services\Winsock\Parameters']
//! Transports = ["Tcpip", "Tcpip6"]                # array: REG_MULTI_SZ
//! [keys.'ControlSet001\Services\AFD']
//! ImagePath = 'expand_sz:\SystemRoot\system32\drivers\afd.sys'
//! Mapping = 'hex:03 00 00 00'                     # also qword:N, hex(N):bytes, sz:text
//!
//! [[protocol_catalogs]]
//! keys = ['ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries']
//! protocol_name_values = true                     # also write ProtocolName (Windows 7 and later)
//! [[protocol_catalogs.entries]]
//! library_path = '%SystemRoot%\system32\mswsock.dll'
//! sz_protocol = 'MSAFD Tcpip [TCP/IP]'
//! # ... every field of the entry
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::Error;
use crate::hive::builder::{KeySpec, ValueSpec, build_hive};
use crate::hive::filetime::filetime_from_rfc3339;
use crate::hive::value::{
    REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_QWORD, REG_SZ, RawValue,
};
use crate::winsock::guid::Guid;
use crate::winsock::namespace_entry::NamespaceProvider;
use crate::winsock::packed_item::PackedCatalogItem;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Description {
    #[serde(default = "default_minor_version")]
    minor_version: u32,
    #[serde(default = "default_root_name")]
    root_name: String,
    /// Last-write time of every key (RFC 3339): fixed, so the output is reproducible.
    timestamp: String,
    /// Key path -> its values.
    #[serde(default)]
    keys: toml::Table,
    #[serde(default)]
    protocol_catalogs: Vec<ProtocolCatalog>,
    #[serde(default)]
    namespace_catalogs: Vec<NamespaceCatalog>,
}

fn default_minor_version() -> u32 {
    5
}

fn default_root_name() -> String {
    "SYSTEM".to_string()
}

/// The same entries written under each of `keys` (both catalogs of an x64 system).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolCatalog {
    keys: Vec<String>,
    #[serde(default)]
    protocol_name_values: bool,
    entries: Vec<ProtocolEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProtocolEntry {
    library_path: String,
    sz_protocol: String,
    provider_id: String,
    catalog_entry_id: u32,
    #[serde(default = "base_chain_len")]
    chain_len: i32,
    #[serde(default)]
    chain: Vec<u32>,
    service_flags1: u32,
    #[serde(default)]
    provider_flags: u32,
    #[serde(default = "winsock2_version")]
    version: i32,
    address_family: i32,
    max_sockaddr_length: i32,
    min_sockaddr_length: i32,
    socket_type: i32,
    protocol: i32,
    #[serde(default)]
    protocol_max_offset: i32,
    #[serde(default)]
    network_byte_order: i32,
    #[serde(default)]
    security_scheme: i32,
    #[serde(default)]
    message_size: u32,
}

fn base_chain_len() -> i32 {
    1
}

fn winsock2_version() -> i32 {
    2
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceCatalog {
    keys: Vec<String>,
    entries: Vec<NamespaceEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NamespaceEntry {
    library_path: String,
    display_string: String,
    provider_id: String,
    name_space: u32,
    #[serde(default = "enabled")]
    enabled: u32,
    #[serde(default)]
    version: u32,
    #[serde(default)]
    stores_service_class_info: u32,
    /// Vista and later write an empty ProviderInfo value.
    #[serde(default)]
    provider_info: Option<String>,
}

fn enabled() -> u32 {
    1
}

/// Build the hive a description text describes. `source` names the description in errors.
pub fn build_from_description(text: &str, source: &str) -> Result<Vec<u8>, Error> {
    let usage = |reason: String| Error::WrongInput {
        path: source.into(),
        reason,
    };
    let description: Description = toml::from_str(text).map_err(|e| usage(e.to_string()))?;
    let timestamp = filetime_from_rfc3339(&description.timestamp)?;

    let mut tree = Tree::default();
    for (path, values) in &description.keys {
        let values = values
            .as_table()
            .ok_or_else(|| usage(format!("[keys.'{path}'] must be a table of values")))?;
        let key = tree.key(path);
        for (name, value) in values {
            let (data_type, data) = encode_value(value)
                .map_err(|message| usage(format!("{path}\\{name}: {message}")))?;
            key.set(name, data_type, data);
        }
    }
    for catalog in &description.protocol_catalogs {
        for (position, entry) in catalog.entries.iter().enumerate() {
            let item = entry
                .to_item()
                .map_err(|message| usage(format!("protocol entry {}: {message}", position + 1)))?;
            let packed = item
                .encode()
                .map_err(|e| usage(format!("protocol entry {}: {e}", position + 1)))?;
            for list in &catalog.keys {
                let key = tree.key(&format!("{list}\\{:012}", position + 1));
                key.set("PackedCatalogItem", REG_BINARY, packed.clone());
                if catalog.protocol_name_values {
                    let name = RawValue::string("ProtocolName", REG_SZ, &entry.sz_protocol);
                    key.set(&name.name, name.data_type, name.data);
                }
            }
        }
    }
    for catalog in &description.namespace_catalogs {
        for (position, entry) in catalog.entries.iter().enumerate() {
            let values = entry
                .to_provider()
                .map_err(|message| usage(format!("namespace entry {}: {message}", position + 1)))?
                .to_values();
            for list in &catalog.keys {
                let key = tree.key(&format!("{list}\\{:012}", position + 1));
                for value in &values {
                    key.set(&value.name, value.data_type, value.data.clone());
                }
            }
        }
    }
    let root = tree.into_spec(&description.root_name);
    build_hive(description.minor_version, &root, timestamp)
        .map_err(|e| usage(format!("cannot build the hive: {e}")))
}

impl ProtocolEntry {
    fn to_item(&self) -> Result<PackedCatalogItem, String> {
        Ok(PackedCatalogItem {
            library_path: self.library_path.clone(),
            service_flags1: self.service_flags1,
            provider_flags: self.provider_flags,
            provider_id: parse_guid(&self.provider_id)?,
            catalog_entry_id: self.catalog_entry_id,
            chain_len: self.chain_len,
            chain: self.chain.clone(),
            version: self.version,
            address_family: self.address_family,
            max_sockaddr_length: self.max_sockaddr_length,
            min_sockaddr_length: self.min_sockaddr_length,
            socket_type: self.socket_type,
            protocol: self.protocol,
            protocol_max_offset: self.protocol_max_offset,
            network_byte_order: self.network_byte_order,
            security_scheme: self.security_scheme,
            message_size: self.message_size,
            sz_protocol: self.sz_protocol.clone(),
            ..PackedCatalogItem::default()
        })
    }
}

impl NamespaceEntry {
    fn to_provider(&self) -> Result<NamespaceProvider, String> {
        let provider_info = self.provider_info.as_deref().map(parse_hex).transpose()?;
        Ok(NamespaceProvider {
            library_path: Some(self.library_path.clone()),
            display_string: Some(self.display_string.clone()),
            provider_id: Some(parse_guid(&self.provider_id)?),
            name_space: Some(self.name_space),
            enabled: Some(self.enabled),
            version: Some(self.version),
            stores_service_class_info: Some(self.stores_service_class_info),
            provider_info,
            address_family: None,
            other_values: Vec::new(),
        })
    }
}

fn parse_guid(text: &str) -> Result<Guid, String> {
    text.parse().map_err(|_| {
        format!("{text:?} is not a GUID like {{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}}")
    })
}

/// Hex bytes, optionally separated by spaces or commas: "03 00 00 00", "03,00", "0300".
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    // Characters, not bytes: a description may hold any text, and slicing it by byte could
    // split a character.
    let digits: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .collect();
    if digits.len() % 2 != 0 {
        return Err(format!("{text:?}: an odd number of hex digits"));
    }
    digits
        .chunks(2)
        .map(|pair| {
            let pair: String = pair.iter().collect();
            u8::from_str_radix(&pair, 16)
                .map_err(|_| format!("{text:?}: {pair:?} is not a hex byte"))
        })
        .collect()
}

/// A TOML value as registry data: integer -> REG_DWORD, array of strings -> REG_MULTI_SZ,
/// string -> REG_SZ unless it starts with `expand_sz:`, `hex:`, `hex(N):`, `qword:` or `sz:`.
fn encode_value(value: &toml::Value) -> Result<(u32, Vec<u8>), String> {
    let utf16z = |text: &str| RawValue::string("", REG_SZ, text).data;
    match value {
        toml::Value::Integer(n) => u32::try_from(*n)
            .map(|n| (REG_DWORD, n.to_le_bytes().to_vec()))
            .map_err(|_| format!("{n} does not fit a REG_DWORD (use qword:)")),
        toml::Value::Array(items) => {
            let mut data = Vec::new();
            for item in items {
                let text = item
                    .as_str()
                    .ok_or("a REG_MULTI_SZ array holds strings only")?;
                data.extend(utf16z(text));
            }
            data.extend([0, 0]);
            Ok((REG_MULTI_SZ, data))
        }
        toml::Value::String(text) => {
            if let Some(rest) = text.strip_prefix("sz:") {
                Ok((REG_SZ, utf16z(rest)))
            } else if let Some(rest) = text.strip_prefix("expand_sz:") {
                Ok((REG_EXPAND_SZ, utf16z(rest)))
            } else if let Some(rest) = text.strip_prefix("qword:") {
                let n: u64 = rest
                    .trim()
                    .parse()
                    .map_err(|_| format!("{rest:?} is not a number"))?;
                Ok((REG_QWORD, n.to_le_bytes().to_vec()))
            } else if let Some(rest) = text.strip_prefix("hex:") {
                Ok((REG_BINARY, parse_hex(rest)?))
            } else if let Some(rest) = text.strip_prefix("hex(") {
                let (kind, bytes) = rest
                    .split_once("):")
                    .ok_or_else(|| format!("{text:?}: expected hex(N):bytes"))?;
                let kind = u32::from_str_radix(kind, 16)
                    .map_err(|_| format!("{text:?}: {kind:?} is not a hex type number"))?;
                Ok((kind, parse_hex(bytes)?))
            } else {
                Ok((REG_SZ, utf16z(text)))
            }
        }
        other => Err(format!(
            "a {} cannot be a registry value (use an integer, a string or an array of strings)",
            other.type_str()
        )),
    }
}

/// Keys collected from the description, merged by case-insensitive name, each keeping its
/// first spelling, in first-seen order.
#[derive(Default)]
struct Tree {
    values: Vec<ValueSpec>,
    /// Upper-cased name -> (order of appearance, name as first written, subtree).
    children: BTreeMap<String, (usize, String, Tree)>,
}

impl Tree {
    /// The key at a backslash-separated path, created when missing.
    fn key(&mut self, path: &str) -> &mut Tree {
        path.split('\\')
            .filter(|part| !part.is_empty())
            .fold(self, |node, part| {
                let order = node.children.len();
                &mut node
                    .children
                    .entry(part.to_uppercase())
                    .or_insert_with(|| (order, part.to_string(), Tree::default()))
                    .2
            })
    }

    fn set(&mut self, name: &str, data_type: u32, data: Vec<u8>) {
        self.values.retain(|v| !v.name.eq_ignore_ascii_case(name));
        self.values.push(ValueSpec {
            name: name.to_string(),
            data_type,
            data,
        });
    }

    fn into_spec(self, name: &str) -> KeySpec {
        let mut children: Vec<(usize, String, Tree)> = self.children.into_values().collect();
        children.sort_by_key(|(order, _, _)| *order);
        KeySpec {
            name: name.to_string(),
            values: self.values,
            subkeys: children
                .into_iter()
                .map(|(_, child_name, tree)| tree.into_spec(&child_name))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_encode_by_kind() {
        let v = |text: &str| encode_value(&text.parse::<toml::Value>().unwrap()).unwrap();
        assert_eq!(v("7"), (REG_DWORD, vec![7, 0, 0, 0]));
        assert_eq!(v("'hex:01 02,03'"), (REG_BINARY, vec![1, 2, 3]));
        assert_eq!(v("'hex(b):0102'"), (REG_QWORD, vec![1, 2]));
        assert_eq!(v("'sz:hex:x'").0, REG_SZ);
        assert_eq!(v("'expand_sz:%a%'").0, REG_EXPAND_SZ);
        assert_eq!(
            v("['a', 'b']"),
            (REG_MULTI_SZ, vec![b'a', 0, 0, 0, b'b', 0, 0, 0, 0, 0])
        );
        assert!(encode_value(&"-1".parse::<toml::Value>().unwrap()).is_err());
        assert!(encode_value(&"'hex:0'".parse::<toml::Value>().unwrap()).is_err());
        // Not hex, and not ASCII: an error, never a slice through a character.
        let error = encode_value(&"'hex:aé0'".parse::<toml::Value>().unwrap()).unwrap_err();
        assert!(error.contains("\"a\u{e9}0\""), "{error}");
    }

    #[test]
    fn paths_merge_case_insensitively_and_keep_their_first_spelling() {
        let text = r#"
            timestamp = "2020-01-01T00:00:00Z"
            [keys.'A\b']
            X = 1
            [keys.'a\B\c']
            Y = 2
        "#;
        let bytes = build_from_description(text, "test").unwrap();
        let hive = nt_hive::Hive::new(bytes.as_slice()).unwrap();
        let root = hive.root_key_node().unwrap();
        let b = root.subpath("A\\b").unwrap().unwrap();
        assert_eq!(b.name().unwrap().to_string_lossy(), "b");
        assert!(b.value("X").is_some());
        assert!(b.subkey("c").is_some());
    }

    #[test]
    fn errors_name_the_description_and_the_value() {
        let text = "timestamp = \"2020-01-01T00:00:00Z\"\n[keys.'K']\nV = 1.5\n";
        let message = build_from_description(text, "x.toml")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("x.toml") && message.contains("K\\V"),
            "{message}"
        );
    }
}
