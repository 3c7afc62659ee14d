//! The key node `nk` record (regf-spec "Key node"): a 76-byte header followed by the key name.

use crate::error::FormatError;
use crate::hive::le::{
    expect_signature, header_and_tail, put_u16, put_u32, put_u64, u16_at, u32_at, u64_at,
};

pub const SIGNATURE: &[u8; 2] = b"nk";
pub const HEADER_SIZE: usize = 76;

/// The smallest cell that can hold a key node (cell size, header and a one-byte name, rounded to
/// the 8-byte cell granularity).
const MIN_CELL_SIZE: usize = 80;

/// The most distinct keys `hive_len` bytes of hive can hold: the bound on every walk of subkey
/// lists, which a crafted hive can make repeat itself (one leaf listed over and over).
pub fn max_keys(hive_len: usize) -> usize {
    hive_len / MIN_CELL_SIZE
}

/// Flag bits.
pub const KEY_HIVE_ENTRY: u16 = 0x0004;
pub const KEY_NO_DELETE: u16 = 0x0008;
pub const KEY_COMP_NAME: u16 = 0x0020;

/// Only the low 16 bits of the "largest subkey name length" field hold the length; the rest are
/// virtualization, user and debug flags.
pub const MAX_SUBKEY_NAME_MASK: u32 = 0xFFFF;

/// The fixed fields of a key node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyNode {
    pub flags: u16,
    pub last_written: u64,
    pub access_bits: u32,
    pub parent: u32,
    pub subkey_count: u32,
    pub volatile_subkey_count: u32,
    pub subkeys_list: u32,
    pub volatile_subkeys_list: u32,
    pub value_count: u32,
    pub values_list: u32,
    pub security: u32,
    pub class_name: u32,
    /// Low 16 bits: largest subkey name length (UTF-16 bytes); high bits: flags.
    pub max_subkey_name: u32,
    pub max_subkey_class_name: u32,
    pub max_value_name: u32,
    pub max_value_data: u32,
    pub work_var: u32,
    pub name_len: u16,
    pub class_name_len: u16,
}

impl KeyNode {
    /// Decode the cell data `data` found at `file_offset`; returns the header and the name bytes.
    pub fn parse(data: &[u8], file_offset: u64) -> Result<(Self, &[u8]), FormatError> {
        let (name, _) = Self::parse_name(data, file_offset)?;
        // `parse_name` checked that the whole header is there.
        let u16f = |at| u16_at(data, at).unwrap_or_default();
        let u32f = |at| u32_at(data, at).unwrap_or_default();
        let node = Self {
            flags: u16f(2),
            last_written: u64_at(data, 4).unwrap_or_default(),
            access_bits: u32f(12),
            parent: u32f(16),
            subkey_count: u32f(20),
            volatile_subkey_count: u32f(24),
            subkeys_list: u32f(28),
            volatile_subkeys_list: u32f(32),
            value_count: u32f(36),
            values_list: u32f(40),
            security: u32f(44),
            class_name: u32f(48),
            max_subkey_name: u32f(52),
            max_subkey_class_name: u32f(56),
            max_value_name: u32f(60),
            max_value_data: u32f(64),
            work_var: u32f(68),
            name_len: u16f(72),
            class_name_len: u16f(74),
        };
        Ok((node, name))
    }

    /// Only the name bytes and whether they are Latin-1 (KEY_COMP_NAME): what a lookup needs,
    /// without decoding the rest.
    pub fn parse_name(data: &[u8], file_offset: u64) -> Result<(&[u8], bool), FormatError> {
        expect_signature(data, SIGNATURE, "a key node", file_offset)?;
        let header = data.get(..HEADER_SIZE).ok_or_else(|| {
            FormatError::at(
                file_offset,
                format!(
                    "expected a {HEADER_SIZE}-byte key node header, the cell holds {} bytes",
                    data.len()
                ),
            )
        })?;
        let flags = u16_at(header, 2).unwrap_or_default();
        let name_len = usize::from(u16_at(header, 72).unwrap_or_default());
        let name = data
            .get(HEADER_SIZE..HEADER_SIZE + name_len)
            .ok_or_else(|| {
                FormatError::at(
                    file_offset + 72,
                    format!(
                        "expected a key name of {name_len} bytes inside the {}-byte cell",
                        data.len()
                    ),
                )
            })?;
        Ok((name, flags & KEY_COMP_NAME != 0))
    }

    pub fn name_is_compressed(&self) -> bool {
        self.flags & KEY_COMP_NAME != 0
    }

    /// Store the header fields (signature included) into the first 76 bytes of `data`.
    pub fn write_header(&self, data: &mut [u8]) {
        data[..2].copy_from_slice(SIGNATURE);
        put_u16(data, 2, self.flags);
        put_u64(data, 4, self.last_written);
        let fields = [
            (12, self.access_bits),
            (16, self.parent),
            (20, self.subkey_count),
            (24, self.volatile_subkey_count),
            (28, self.subkeys_list),
            (32, self.volatile_subkeys_list),
            (36, self.value_count),
            (40, self.values_list),
            (44, self.security),
            (48, self.class_name),
            (52, self.max_subkey_name),
            (56, self.max_subkey_class_name),
            (60, self.max_value_name),
            (64, self.max_value_data),
            (68, self.work_var),
        ];
        for (at, value) in fields {
            put_u32(data, at, value);
        }
        put_u16(data, 72, self.name_len);
        put_u16(data, 74, self.class_name_len);
    }

    /// The whole record: header and `name` (whose length must be `name_len`).
    pub fn encode(&self, name: &[u8]) -> Vec<u8> {
        header_and_tail(HEADER_SIZE, name, |header| self.write_header(header))
    }

    /// Raise the largest-subkey-name length to at least `len`, keeping the flag bits above it.
    pub fn raise_max_subkey_name(&mut self, len: u32) {
        let current = self.max_subkey_name & MAX_SUBKEY_NAME_MASK;
        let raised = current.max(len.min(MAX_SUBKEY_NAME_MASK));
        self.max_subkey_name = (self.max_subkey_name & !MAX_SUBKEY_NAME_MASK) | raised;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> KeyNode {
        KeyNode {
            flags: KEY_COMP_NAME,
            last_written: 0x01d9_1234_5678_9abc,
            access_bits: 2,
            parent: 0x20,
            subkey_count: 3,
            subkeys_list: 0x1000,
            volatile_subkeys_list: u32::MAX,
            value_count: 1,
            values_list: 0x2000,
            security: 0x80,
            class_name: u32::MAX,
            max_subkey_name: 0x0102_0010,
            max_value_name: 12,
            max_value_data: 600,
            name_len: 8,
            ..KeyNode::default()
        }
    }

    #[test]
    fn round_trips_with_name() {
        let node = sample();
        let bytes = node.encode(b"WinSock2");
        let (parsed, name) = KeyNode::parse(&bytes, 0).unwrap();
        assert_eq!(parsed, node);
        assert_eq!(name, b"WinSock2");
        assert!(parsed.name_is_compressed());
    }

    #[test]
    fn name_past_the_cell_and_wrong_signature_are_refused() {
        let bytes = sample().encode(b"WinSock2");
        let err = KeyNode::parse(&bytes[..80], 0x1000).unwrap_err();
        assert_eq!(err.offset, Some(0x1000 + 72));
        let mut bad = bytes.clone();
        bad[0] = b'v';
        assert!(KeyNode::parse(&bad, 0).is_err());
        assert!(KeyNode::parse(&bytes[..40], 0).is_err());
    }

    #[test]
    fn raising_the_max_name_keeps_the_flag_bits() {
        let mut node = sample();
        node.raise_max_subkey_name(0x30);
        assert_eq!(node.max_subkey_name, 0x0102_0030);
        node.raise_max_subkey_name(4);
        assert_eq!(node.max_subkey_name, 0x0102_0030);
    }
}
