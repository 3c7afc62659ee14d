//! `PackedCatalogItem`: the 888-byte REG_BINARY of a protocol catalog entry: an ANSI library path
//! in a 260-byte buffer followed by a WSAPROTOCOL_INFOW (format doc §2).

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::value::hex;
use crate::winsock::guid::Guid;

/// Size of the value as Windows writes it.
pub const PACKED_ITEM_LEN: usize = 888;
/// `CHAR LibraryPath[MAX_PATH]`.
pub const PATH_LEN: usize = 260;
/// `WCHAR szProtocol[WSAPROTOCOL_LEN + 1]`, in UTF-16 code units.
pub const PROTOCOL_NAME_UNITS: usize = 256;
/// `MAX_PROTOCOL_CHAIN`.
pub const MAX_PROTOCOL_CHAIN: usize = 7;

const OFF_SERVICE_FLAGS: usize = 0x104;
const OFF_PROVIDER_FLAGS: usize = 0x114;
const OFF_PROVIDER_ID: usize = 0x118;
const OFF_CATALOG_ENTRY_ID: usize = 0x128;
const OFF_CHAIN_LEN: usize = 0x12C;
const OFF_CHAIN_ENTRIES: usize = 0x130;
const OFF_VERSION: usize = 0x14C;
const OFF_ADDRESS_FAMILY: usize = 0x150;
const OFF_MAX_SOCKADDR: usize = 0x154;
const OFF_MIN_SOCKADDR: usize = 0x158;
const OFF_SOCKET_TYPE: usize = 0x15C;
const OFF_PROTOCOL: usize = 0x160;
const OFF_PROTOCOL_MAX_OFFSET: usize = 0x164;
const OFF_NETWORK_BYTE_ORDER: usize = 0x168;
const OFF_SECURITY_SCHEME: usize = 0x16C;
const OFF_MESSAGE_SIZE: usize = 0x170;
const OFF_PROVIDER_RESERVED: usize = 0x174;
const OFF_PROTOCOL_NAME: usize = 0x178;

/// ChainLen of a layered (dummy) provider entry.
pub const LAYERED_PROTOCOL: i32 = 0;
/// ChainLen of a base provider.
pub const BASE_PROTOCOL: i32 = 1;

/// The decoded fields of one PackedCatalogItem.
/// `Default` is all zeros and empty strings: a base for entries built field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PackedCatalogItem {
    /// The library path up to the first NUL, each byte read as Latin-1 (lossless: the bytes are
    /// in `library_path_bytes`; Windows writes them in the system ANSI code page).
    pub library_path: String,
    /// The path bytes before the NUL, as stored.
    #[serde(serialize_with = "as_hex")]
    pub library_path_bytes: Vec<u8>,
    /// Non-zero bytes after the path's NUL in the 260-byte buffer: stale heap data that
    /// Windows itself leaves there (format doc §2.3), not corruption.
    pub path_buffer_stale_bytes: usize,
    /// `true` when the 260 bytes hold no NUL at all (the path was cut at 260 bytes).
    pub library_path_unterminated: bool,
    pub service_flags1: u32,
    pub service_flags2: u32,
    pub service_flags3: u32,
    pub service_flags4: u32,
    pub provider_flags: u32,
    pub provider_id: Guid,
    pub catalog_entry_id: u32,
    pub chain_len: i32,
    /// `ChainEntries[..ChainLen]` when ChainLen > 1 (at most 7); empty for base and layered
    /// entries, whose chain slots Windows leaves zero.
    pub chain: Vec<u32>,
    /// Non-zero chain slots beyond `chain`: stale data (XP base entries have all seven set);
    /// not reproduced by `encode`.
    pub chain_stale_entries: usize,
    pub version: i32,
    pub address_family: i32,
    pub max_sockaddr_length: i32,
    pub min_sockaddr_length: i32,
    pub socket_type: i32,
    pub protocol: i32,
    pub protocol_max_offset: i32,
    pub network_byte_order: i32,
    pub security_scheme: i32,
    pub message_size: u32,
    pub provider_reserved: u32,
    /// `szProtocol` up to the first NUL; invalid UTF-16 becomes U+FFFD.
    pub sz_protocol: String,
    /// Non-zero bytes after szProtocol's NUL.
    pub sz_protocol_stale_bytes: usize,
    /// Length of the registry value (888 normally; more is accepted, see `note`).
    pub value_length: usize,
    /// Anything unusual about the layout that did not stop decoding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn as_hex<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&hex(bytes))
}

/// Why a PackedCatalogItem cannot be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("library path {0:?} does not fit in 259 ANSI bytes")]
    PathTooLong(String),
    #[error("library path {0:?} has a character outside Latin-1 (a NUL or above U+00FF)")]
    PathNotLatin1(String),
    #[error("protocol name {0:?} does not fit in 255 UTF-16 units or contains a NUL")]
    ProtocolNameTooLong(String),
    #[error("a protocol chain holds at most 7 entries, found {0}")]
    ChainTooLong(usize),
}

impl PackedCatalogItem {
    /// Decode a value. Shorter than 888 bytes is an error; longer is accepted with a note (the
    /// tail is ignored, as ReactOS does).
    pub fn decode(value: &[u8]) -> Result<Self, FormatError> {
        let Some(fixed) = value
            .get(..PACKED_ITEM_LEN)
            .and_then(|b| <&[u8; PACKED_ITEM_LEN]>::try_from(b).ok())
        else {
            return Err(FormatError::new(format!(
                "PackedCatalogItem truncated: expected {PACKED_ITEM_LEN} bytes, found {}",
                value.len()
            )));
        };
        let u32_at = |off: usize| {
            u32::from_le_bytes([fixed[off], fixed[off + 1], fixed[off + 2], fixed[off + 3]])
        };
        let i32_at = |off: usize| u32_at(off) as i32;

        let path_buffer = &fixed[..PATH_LEN];
        let path_end = path_buffer.iter().position(|&b| b == 0);
        let path_bytes = &path_buffer[..path_end.unwrap_or(PATH_LEN)];
        let path_tail = path_end.map_or(&[][..], |end| &path_buffer[end + 1..]);

        let chain_len = i32_at(OFF_CHAIN_LEN);
        let all_chain: Vec<u32> = (0..MAX_PROTOCOL_CHAIN)
            .map(|i| u32_at(OFF_CHAIN_ENTRIES + 4 * i))
            .collect();
        let used = if chain_len > 1 {
            (chain_len as usize).min(MAX_PROTOCOL_CHAIN)
        } else {
            0
        };

        let name_units: Vec<u16> = fixed[OFF_PROTOCOL_NAME..]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        let name_end = name_units.iter().position(|&u| u == 0);
        let name = &name_units[..name_end.unwrap_or(name_units.len())];
        let name_tail = name_end.map_or(&[][..], |end| &name_units[end + 1..]);

        let note = (value.len() > PACKED_ITEM_LEN).then(|| {
            format!(
                "value is {} bytes, {} more than the {PACKED_ITEM_LEN} Windows writes; the tail is ignored",
                value.len(),
                value.len() - PACKED_ITEM_LEN
            )
        });

        Ok(Self {
            library_path: path_bytes.iter().map(|&b| char::from(b)).collect(),
            library_path_bytes: path_bytes.to_vec(),
            path_buffer_stale_bytes: path_tail.iter().filter(|&&b| b != 0).count(),
            library_path_unterminated: path_end.is_none(),
            service_flags1: u32_at(OFF_SERVICE_FLAGS),
            service_flags2: u32_at(OFF_SERVICE_FLAGS + 4),
            service_flags3: u32_at(OFF_SERVICE_FLAGS + 8),
            service_flags4: u32_at(OFF_SERVICE_FLAGS + 12),
            provider_flags: u32_at(OFF_PROVIDER_FLAGS),
            provider_id: Guid::from_slice(&fixed[OFF_PROVIDER_ID..]).unwrap_or_default(),
            catalog_entry_id: u32_at(OFF_CATALOG_ENTRY_ID),
            chain_len,
            chain: all_chain[..used].to_vec(),
            chain_stale_entries: all_chain[used..].iter().filter(|&&e| e != 0).count(),
            version: i32_at(OFF_VERSION),
            address_family: i32_at(OFF_ADDRESS_FAMILY),
            max_sockaddr_length: i32_at(OFF_MAX_SOCKADDR),
            min_sockaddr_length: i32_at(OFF_MIN_SOCKADDR),
            socket_type: i32_at(OFF_SOCKET_TYPE),
            protocol: i32_at(OFF_PROTOCOL),
            protocol_max_offset: i32_at(OFF_PROTOCOL_MAX_OFFSET),
            network_byte_order: i32_at(OFF_NETWORK_BYTE_ORDER),
            security_scheme: i32_at(OFF_SECURITY_SCHEME),
            message_size: u32_at(OFF_MESSAGE_SIZE),
            provider_reserved: u32_at(OFF_PROVIDER_RESERVED),
            sz_protocol: String::from_utf16_lossy(name),
            sz_protocol_stale_bytes: name_tail
                .iter()
                .map(|u| u.to_le_bytes().iter().filter(|&&b| b != 0).count())
                .sum(),
            value_length: value.len(),
            note,
        })
    }

    /// The 888 bytes Windows would store for these fields: path and name NUL-terminated and
    /// zero-filled (stale bytes are not reproduced), chain slots past `chain` zero.
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        let path: Vec<u8> = self
            .library_path
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok().filter(|&b| b != 0))
            .collect::<Option<_>>()
            .ok_or_else(|| EncodeError::PathNotLatin1(self.library_path.clone()))?;
        if path.len() >= PATH_LEN {
            return Err(EncodeError::PathTooLong(self.library_path.clone()));
        }
        let name: Vec<u16> = self.sz_protocol.encode_utf16().collect();
        if name.len() >= PROTOCOL_NAME_UNITS || name.contains(&0) {
            return Err(EncodeError::ProtocolNameTooLong(self.sz_protocol.clone()));
        }
        if self.chain.len() > MAX_PROTOCOL_CHAIN {
            return Err(EncodeError::ChainTooLong(self.chain.len()));
        }

        let mut out = vec![0u8; PACKED_ITEM_LEN];
        let mut put = |off: usize, bytes: &[u8]| out[off..off + bytes.len()].copy_from_slice(bytes);
        put(0, &path);
        for (i, flags) in [
            self.service_flags1,
            self.service_flags2,
            self.service_flags3,
            self.service_flags4,
        ]
        .into_iter()
        .enumerate()
        {
            put(OFF_SERVICE_FLAGS + 4 * i, &flags.to_le_bytes());
        }
        put(OFF_PROVIDER_FLAGS, &self.provider_flags.to_le_bytes());
        put(OFF_PROVIDER_ID, &self.provider_id.to_bytes());
        put(OFF_CATALOG_ENTRY_ID, &self.catalog_entry_id.to_le_bytes());
        put(OFF_CHAIN_LEN, &self.chain_len.to_le_bytes());
        for (i, entry) in self.chain.iter().enumerate() {
            put(OFF_CHAIN_ENTRIES + 4 * i, &entry.to_le_bytes());
        }
        for (off, field) in [
            (OFF_VERSION, self.version),
            (OFF_ADDRESS_FAMILY, self.address_family),
            (OFF_MAX_SOCKADDR, self.max_sockaddr_length),
            (OFF_MIN_SOCKADDR, self.min_sockaddr_length),
            (OFF_SOCKET_TYPE, self.socket_type),
            (OFF_PROTOCOL, self.protocol),
            (OFF_PROTOCOL_MAX_OFFSET, self.protocol_max_offset),
            (OFF_NETWORK_BYTE_ORDER, self.network_byte_order),
            (OFF_SECURITY_SCHEME, self.security_scheme),
        ] {
            put(off, &field.to_le_bytes());
        }
        put(OFF_MESSAGE_SIZE, &self.message_size.to_le_bytes());
        put(OFF_PROVIDER_RESERVED, &self.provider_reserved.to_le_bytes());
        let name_bytes: Vec<u8> = name.iter().flat_map(|u| u.to_le_bytes()).collect();
        put(OFF_PROTOCOL_NAME, &name_bytes);
        Ok(out)
    }

    /// What this entry is in the catalog, by ChainLen (netsh's words).
    pub fn kind(&self) -> EntryKind {
        match self.chain_len {
            LAYERED_PROTOCOL => EntryKind::Layered,
            BASE_PROTOCOL => EntryKind::Base,
            2..=7 => EntryKind::Chain,
            _ => EntryKind::Invalid,
        }
    }
}

/// `raw` (a stored PackedCatalogItem) with a new catalog ID; every other byte, stale ones
/// included, stays as stored. `None` when `raw` is shorter than an item.
pub fn with_catalog_entry_id(raw: &[u8], id: u32) -> Option<Vec<u8>> {
    let mut out = raw.to_vec();
    out.get_mut(OFF_CATALOG_ENTRY_ID..OFF_CATALOG_ENTRY_ID + 4)?
        .copy_from_slice(&id.to_le_bytes());
    (out.len() >= PACKED_ITEM_LEN).then_some(out)
}

/// `raw` with a new protocol chain (ChainLen = its length, unused slots zero); every other
/// byte stays as stored. `None` when `raw` is shorter than an item or the chain too long.
pub fn with_chain(raw: &[u8], chain: &[u32]) -> Option<Vec<u8>> {
    if raw.len() < PACKED_ITEM_LEN || chain.len() > MAX_PROTOCOL_CHAIN {
        return None;
    }
    let mut out = raw.to_vec();
    let len = i32::try_from(chain.len()).ok()?;
    out.get_mut(OFF_CHAIN_LEN..OFF_CHAIN_LEN + 4)?
        .copy_from_slice(&len.to_le_bytes());
    for slot in 0..MAX_PROTOCOL_CHAIN {
        let id = chain.get(slot).copied().unwrap_or(0);
        let off = OFF_CHAIN_ENTRIES + 4 * slot;
        out.get_mut(off..off + 4)?
            .copy_from_slice(&id.to_le_bytes());
    }
    Some(out)
}

/// The role of a protocol entry, from its ChainLen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// ChainLen 1: a base service provider.
    Base,
    /// ChainLen 0: a layered service provider's hidden dummy entry.
    Layered,
    /// ChainLen 2..=7: a layered chain entry.
    Chain,
    /// Negative or above 7.
    Invalid,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse the "OFFSET  hex bytes  ascii" lines of the format doc's Appendix B dump; lines
    /// marked "... zeros" stand for zero bytes up to the next offset.
    fn bytes_from_dump(dump: &str) -> Vec<u8> {
        let mut out = vec![0u8; PACKED_ITEM_LEN];
        for line in dump.lines() {
            let mut parts = line.split_whitespace();
            let Some(off) = parts.next().and_then(|o| usize::from_str_radix(o, 16).ok()) else {
                continue;
            };
            for (i, byte) in parts.take(16).enumerate() {
                out[off + i] = u8::from_str_radix(byte, 16).unwrap();
            }
        }
        out
    }

    /// Win10 Catalog_Entries64\000000000003 from the format doc, Appendix B (the zero lines
    /// are left out; the rest of the 888 bytes are zero).
    const WIN10_TCP_DUMP: &str = "
0000  25 53 79 73 74 65 6d 52 6f 6f 74 25 5c 73 79 73
0010  74 65 6d 33 32 5c 6d 73 77 73 6f 63 6b 2e 64 6c
0020  6c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0100  00 00 00 00 66 00 02 00 00 00 00 00 00 00 00 00
0110  00 00 00 00 08 00 00 00 a0 1a 0f e7 8b ab cf 11
0120  8c a3 00 80 5f 48 a1 92 ef 03 00 00 01 00 00 00
0130  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0140  00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00
0150  02 00 00 00 10 00 00 00 10 00 00 00 01 00 00 00
0160  06 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0170  00 00 00 00 00 00 00 00 40 00 25 00 53 00 79 00
0180  73 00 74 00 65 00 6d 00 52 00 6f 00 6f 00 74 00
0190  25 00 5c 00 53 00 79 00 73 00 74 00 65 00 6d 00
01a0  33 00 32 00 5c 00 6d 00 73 00 77 00 73 00 6f 00
01b0  63 00 6b 00 2e 00 64 00 6c 00 6c 00 2c 00 2d 00
01c0  36 00 30 00 31 00 30 00 30 00 00 00 00 00 00 00
";

    /// The first 0x110 bytes of Win7 x86 Catalog_Entries\000000000001 (format doc, Appendix
    /// B): stale heap data after the path's NUL, flags still at 0x104.
    const WIN7_TCP_HEAD_DUMP: &str = "
0000  25 53 79 73 74 65 6d 52 6f 6f 74 25 5c 73 79 73
0010  74 65 6d 33 32 5c 6d 73 77 73 6f 63 6b 2e 64 6c
0020  6c 00 6c 73 5c 56 53 6f 63 6b 20 53 44 4b 5c 62
0030  69 6e 5c 77 69 6e 33 32 5c 76 73 6f 63 6b 6c 69
0040  62 2e 64 6c 6c 00 54 00 6f 00 6f 00 6c 00 73 00
0050  5c 00 56 00 53 00 6f 00 63 00 6b 00 20 00 53 00
0060  44 00 4b 00 5c 00 62 00 69 00 6e 00 5c 00 77 00
0070  69 00 6e 00 33 00 32 00 5c 00 76 00 73 00 6f 00
0080  63 00 6b 00 6c 00 69 00 62 00 2e 00 64 00 6c 00
0090  6c 00 00 00 01 00 00 00 00 00 00 00 00 00 00 00
00b0  00 00 00 00 02 00 00 00 11 00 00 00 14 00 00 00
00c0  14 00 00 00 02 00 00 00 ff ff ff ff 00 00 00 00
00d0  00 00 00 00 00 00 00 00 00 fa 00 00 00 00 00 00
00e0  4d 00 53 00 41 00 46 00 44 00 20 00 4e 00 65 00
00f0  74 00 42 00 49 00 4f 00 53 00 20 00 5b 00 5c 00
0100  44 00 65 00 66 00 02 00 00 00 00 00 00 00 00 00
";

    #[test]
    fn junk_after_the_path_nul_is_ignored_win7_dump() {
        let item = PackedCatalogItem::decode(&bytes_from_dump(WIN7_TCP_HEAD_DUMP)).unwrap();
        assert_eq!(item.library_path, r"%SystemRoot%\system32\mswsock.dll");
        assert!(!item.library_path_unterminated);
        assert!(
            item.path_buffer_stale_bytes > 100,
            "{}",
            item.path_buffer_stale_bytes
        );
        assert_eq!(item.service_flags1, 0x20066);
    }

    #[test]
    fn decodes_the_annotated_win10_tcp_entry() {
        let item = PackedCatalogItem::decode(&bytes_from_dump(WIN10_TCP_DUMP)).unwrap();
        assert_eq!(item.library_path, r"%SystemRoot%\system32\mswsock.dll");
        assert_eq!(item.path_buffer_stale_bytes, 0);
        assert_eq!(item.service_flags1, 0x20066);
        assert_eq!(item.provider_flags, 8);
        assert_eq!(
            item.provider_id.to_string(),
            "{E70F1AA0-AB8B-11CF-8CA3-00805F48A192}"
        );
        assert_eq!(item.catalog_entry_id, 1007);
        assert_eq!(item.chain_len, 1);
        assert_eq!(item.kind(), EntryKind::Base);
        assert!(item.chain.is_empty());
        assert_eq!(
            (
                item.version,
                item.address_family,
                item.socket_type,
                item.protocol
            ),
            (2, 2, 1, 6)
        );
        assert_eq!(
            (item.max_sockaddr_length, item.min_sockaddr_length),
            (16, 16)
        );
        assert_eq!(
            item.sz_protocol,
            r"@%SystemRoot%\System32\mswsock.dll,-60100"
        );
        assert_eq!(item.note, None);
    }

    #[test]
    fn zero_padded_entry_encodes_to_the_same_bytes() {
        let bytes = bytes_from_dump(WIN10_TCP_DUMP);
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert_eq!(item.encode().unwrap(), bytes);
    }

    #[test]
    fn stale_path_bytes_are_counted_and_dropped_on_encode() {
        let mut bytes = bytes_from_dump(WIN10_TCP_DUMP);
        bytes[0x30..0x34].copy_from_slice(b"junk");
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert_eq!(item.library_path, r"%SystemRoot%\system32\mswsock.dll");
        assert_eq!(item.path_buffer_stale_bytes, 4);
        let encoded = item.encode().unwrap();
        assert_eq!(&encoded[0x30..0x34], &[0; 4]);
        assert_eq!(
            PackedCatalogItem::decode(&encoded)
                .unwrap()
                .path_buffer_stale_bytes,
            0
        );
    }

    #[test]
    fn chain_entries_are_kept_only_for_chains() {
        let mut bytes = bytes_from_dump(WIN10_TCP_DUMP);
        bytes[OFF_CHAIN_LEN..OFF_CHAIN_LEN + 4].copy_from_slice(&3i32.to_le_bytes());
        for (i, id) in [1020u32, 1019, 1007].iter().enumerate() {
            let off = OFF_CHAIN_ENTRIES + 4 * i;
            bytes[off..off + 4].copy_from_slice(&id.to_le_bytes());
        }
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert_eq!(item.kind(), EntryKind::Chain);
        assert_eq!(item.chain, vec![1020, 1019, 1007]);
        assert_eq!(item.encode().unwrap(), bytes);

        // A hostile ChainLen cannot read past the seven slots.
        bytes[OFF_CHAIN_LEN..OFF_CHAIN_LEN + 4].copy_from_slice(&i32::MAX.to_le_bytes());
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert_eq!(item.chain.len(), MAX_PROTOCOL_CHAIN);
        assert_eq!(item.kind(), EntryKind::Invalid);
    }

    #[test]
    fn patching_id_and_chain_keeps_every_other_byte() {
        let mut bytes = bytes_from_dump(WIN7_TCP_HEAD_DUMP);
        bytes[0x200] = 0x5A;
        let patched = with_catalog_entry_id(&bytes, 1042).unwrap();
        let item = PackedCatalogItem::decode(&patched).unwrap();
        assert_eq!(item.catalog_entry_id, 1042);
        let chained = with_chain(&patched, &[1050, 1042]).unwrap();
        let item = PackedCatalogItem::decode(&chained).unwrap();
        assert_eq!((item.chain_len, item.chain.clone()), (2, vec![1050, 1042]));
        let differing = chained.iter().zip(&bytes).filter(|(a, b)| a != b).count();
        assert!(differing <= 4 + 4 + 8, "{differing} bytes changed");
        assert_eq!(chained[0x200], 0x5A);
        assert!(with_catalog_entry_id(&bytes[..100], 1).is_none());
        assert!(with_chain(&bytes, &[1; 8]).is_none());
    }

    #[test]
    fn short_value_is_an_error_naming_both_lengths() {
        let bytes = bytes_from_dump(WIN10_TCP_DUMP);
        let err = PackedCatalogItem::decode(&bytes[..887]).unwrap_err();
        assert!(
            err.message.contains("888") && err.message.contains("887"),
            "{err}"
        );
        assert!(PackedCatalogItem::decode(&[]).is_err());
    }

    #[test]
    fn long_value_is_accepted_with_a_note() {
        let mut bytes = bytes_from_dump(WIN10_TCP_DUMP);
        bytes.extend_from_slice(&[0xAA; 12]);
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert_eq!(item.value_length, 900);
        assert!(item.note.as_deref().unwrap().contains("900"));
        assert_eq!(item.encode().unwrap().len(), PACKED_ITEM_LEN);
    }

    #[test]
    fn unterminated_path_and_name_decode_without_panic() {
        let bytes = vec![0x41u8; PACKED_ITEM_LEN];
        let item = PackedCatalogItem::decode(&bytes).unwrap();
        assert!(item.library_path_unterminated);
        assert_eq!(item.library_path.len(), PATH_LEN);
        assert!(item.encode().is_err());
    }

    #[test]
    fn encode_refuses_what_does_not_fit() {
        let mut item = PackedCatalogItem::decode(&bytes_from_dump(WIN10_TCP_DUMP)).unwrap();
        item.library_path = "\u{263A}.dll".into();
        assert!(matches!(item.encode(), Err(EncodeError::PathNotLatin1(_))));
        item.library_path = "x".repeat(PATH_LEN);
        assert!(matches!(item.encode(), Err(EncodeError::PathTooLong(_))));
        item.library_path = "ok.dll".into();
        item.sz_protocol = "n".repeat(PROTOCOL_NAME_UNITS);
        assert!(matches!(
            item.encode(),
            Err(EncodeError::ProtocolNameTooLong(_))
        ));
    }
}
