//! The key value `vk` record (regf-spec "Key value"): a 20-byte header followed by the value name.

use crate::error::FormatError;
use crate::hive::le::{expect_signature, header_and_tail, put_u16, put_u32, u16_at, u32_at};

pub const SIGNATURE: &[u8; 2] = b"vk";
pub const HEADER_SIZE: usize = 20;

/// Flag bit: the name is Latin-1 rather than UTF-16LE.
pub const VALUE_COMP_NAME: u16 = 0x0001;
/// Flag bit of layered keys (Windows 10 RS1+): a deleted value in a differencing hive.
pub const VALUE_TOMBSTONE: u16 = 0x0002;
/// Most significant bit of the data size: the data sits in the data offset field itself.
pub const DATA_INLINE: u32 = 0x8000_0000;
/// At most this many bytes of data fit in the data offset field.
pub const INLINE_MAX: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyValue {
    pub name_len: u16,
    /// Data length, with [`DATA_INLINE`] set when the data is inline.
    pub data_size: u32,
    /// Offset of the data cell, or the data itself when inline.
    pub data_offset: u32,
    pub data_type: u32,
    pub flags: u16,
    pub spare: u16,
}

impl KeyValue {
    /// Decode the cell data `data` found at `file_offset`; returns the header and the name bytes.
    pub fn parse(data: &[u8], file_offset: u64) -> Result<(Self, &[u8]), FormatError> {
        expect_signature(data, SIGNATURE, "a key value", file_offset)?;
        let short = || {
            FormatError::at(
                file_offset,
                format!(
                    "expected a {HEADER_SIZE}-byte key value header, the cell holds {} bytes",
                    data.len()
                ),
            )
        };
        let value = Self {
            name_len: u16_at(data, 2).ok_or_else(short)?,
            data_size: u32_at(data, 4).ok_or_else(short)?,
            data_offset: u32_at(data, 8).ok_or_else(short)?,
            data_type: u32_at(data, 12).ok_or_else(short)?,
            flags: u16_at(data, 16).ok_or_else(short)?,
            spare: u16_at(data, 18).ok_or_else(short)?,
        };
        let name = data
            .get(HEADER_SIZE..HEADER_SIZE + usize::from(value.name_len))
            .ok_or_else(|| {
                FormatError::at(
                    file_offset + 2,
                    format!(
                        "expected a value name of {} bytes inside the {}-byte cell",
                        value.name_len,
                        data.len()
                    ),
                )
            })?;
        Ok((value, name))
    }

    pub fn name_is_compressed(&self) -> bool {
        self.flags & VALUE_COMP_NAME != 0
    }

    pub fn is_inline(&self) -> bool {
        self.data_size & DATA_INLINE != 0
    }

    /// The data length in bytes, without the inline flag.
    pub fn data_len(&self) -> u32 {
        self.data_size & !DATA_INLINE
    }

    /// The inline data (at most 4 bytes), when the data is inline.
    pub fn inline_data(&self) -> Option<Vec<u8>> {
        let bytes = self.data_offset.to_le_bytes();
        let len = (self.data_len() as usize).min(INLINE_MAX);
        self.is_inline().then(|| bytes[..len].to_vec())
    }

    /// Store the header fields (signature included) into the first 20 bytes of `data`.
    pub fn write_header(&self, data: &mut [u8]) {
        data[..2].copy_from_slice(SIGNATURE);
        put_u16(data, 2, self.name_len);
        put_u32(data, 4, self.data_size);
        put_u32(data, 8, self.data_offset);
        put_u32(data, 12, self.data_type);
        put_u16(data, 16, self.flags);
        put_u16(data, 18, self.spare);
    }

    /// The whole record: header and `name` (whose length must be `name_len`).
    pub fn encode(&self, name: &[u8]) -> Vec<u8> {
        header_and_tail(HEADER_SIZE, name, |header| self.write_header(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_name() {
        let value = KeyValue {
            name_len: 17,
            data_size: 0x3cc,
            data_offset: 0x4560,
            data_type: 3,
            flags: VALUE_COMP_NAME,
            spare: 0,
        };
        let bytes = value.encode(b"PackedCatalogItem");
        let (parsed, name) = KeyValue::parse(&bytes, 0).unwrap();
        assert_eq!(parsed, value);
        assert_eq!(name, b"PackedCatalogItem");
        assert!(!parsed.is_inline());
        assert_eq!(parsed.inline_data(), None);
    }

    #[test]
    fn inline_data_is_read_from_the_offset_field() {
        let value = KeyValue {
            data_size: DATA_INLINE | 2,
            data_offset: u32::from_le_bytes([7, 8, 0, 0]),
            ..KeyValue::default()
        };
        assert_eq!(value.data_len(), 2);
        assert_eq!(value.inline_data(), Some(vec![7, 8]));
    }

    #[test]
    fn a_name_longer_than_the_cell_is_refused() {
        let mut bytes = KeyValue {
            name_len: 3,
            ..KeyValue::default()
        }
        .encode(b"abc");
        bytes[2] = 200;
        assert_eq!(
            KeyValue::parse(&bytes, 0x40).unwrap_err().offset,
            Some(0x42)
        );
    }
}
