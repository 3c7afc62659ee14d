//! The key security `sk` record (regf-spec "Key security"): a node of the hive's circular list of
//! security descriptors, with the number of key nodes that use it.

use crate::error::FormatError;
use crate::hive::le::{expect_signature, header_and_tail, put_u16, put_u32, u16_at, u32_at};

pub const SIGNATURE: &[u8; 2] = b"sk";
pub const HEADER_SIZE: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeySecurity {
    pub reserved: u16,
    pub flink: u32,
    pub blink: u32,
    pub reference_count: u32,
    pub descriptor_len: u32,
}

impl KeySecurity {
    /// Decode the cell data `data` found at `file_offset`; returns the header and the descriptor.
    pub fn parse(data: &[u8], file_offset: u64) -> Result<(Self, &[u8]), FormatError> {
        expect_signature(data, SIGNATURE, "a key security record", file_offset)?;
        let short = || FormatError::at(file_offset, "expected a 20-byte key security header");
        let sk = Self {
            reserved: u16_at(data, 2).ok_or_else(short)?,
            flink: u32_at(data, 4).ok_or_else(short)?,
            blink: u32_at(data, 8).ok_or_else(short)?,
            reference_count: u32_at(data, 12).ok_or_else(short)?,
            descriptor_len: u32_at(data, 16).ok_or_else(short)?,
        };
        let descriptor = usize::try_from(sk.descriptor_len)
            .ok()
            .and_then(|len| data.get(HEADER_SIZE..HEADER_SIZE.checked_add(len)?))
            .ok_or_else(|| {
                FormatError::at(
                    file_offset + 16,
                    format!(
                        "expected a security descriptor of {} bytes inside the {}-byte cell",
                        sk.descriptor_len,
                        data.len()
                    ),
                )
            })?;
        Ok((sk, descriptor))
    }

    /// Store the header fields (signature included) into the first 20 bytes of `data`.
    pub fn write_header(&self, data: &mut [u8]) {
        data[..2].copy_from_slice(SIGNATURE);
        put_u16(data, 2, self.reserved);
        put_u32(data, 4, self.flink);
        put_u32(data, 8, self.blink);
        put_u32(data, 12, self.reference_count);
        put_u32(data, 16, self.descriptor_len);
    }

    /// The whole record: header and `descriptor` (whose length must be `descriptor_len`).
    pub fn encode(&self, descriptor: &[u8]) -> Vec<u8> {
        header_and_tail(HEADER_SIZE, descriptor, |header| self.write_header(header))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_descriptor() {
        let sk = KeySecurity {
            reserved: 0,
            flink: 0x80,
            blink: 0x200,
            reference_count: 7,
            descriptor_len: 5,
        };
        let bytes = sk.encode(b"\x01\0\x04\x80\0");
        assert_eq!(
            KeySecurity::parse(&bytes, 0).unwrap(),
            (sk, &b"\x01\0\x04\x80\0"[..])
        );
    }

    #[test]
    fn a_descriptor_past_the_cell_is_refused() {
        let mut bytes = KeySecurity {
            descriptor_len: 2,
            ..KeySecurity::default()
        }
        .encode(b"ab");
        bytes[16] = 3;
        assert_eq!(
            KeySecurity::parse(&bytes, 0x10).unwrap_err().offset,
            Some(0x20)
        );
        assert!(KeySecurity::parse(b"nk", 0).is_err());
    }
}
