//! The 32-byte header of a hive bin (regf-spec "Hive bin").

use crate::error::{FormatError, found_bytes};
use crate::hive::le::{put_u32, put_u64, u32_at, u64_at};

pub const HBIN_HEADER_SIZE: u32 = 32;
/// Bins are made of whole 4096-byte pages.
pub const PAGE_SIZE: u32 = 4096;
pub const SIGNATURE: &[u8; 4] = b"hbin";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HbinHeader {
    /// Offset of this bin from the start of the hive bins data.
    pub offset: u32,
    pub size: u32,
    /// Meaningful in the first bin only: a backup of the base block's last written time.
    pub timestamp: u64,
}

impl HbinHeader {
    /// Decode the header at the start of `bytes`, found at `file_offset`, and check the signature
    /// and that the size is a non-zero number of pages.
    pub fn parse(bytes: &[u8], file_offset: u64) -> Result<Self, FormatError> {
        let sig = bytes.get(..4).ok_or_else(|| {
            FormatError::at(
                file_offset,
                "expected a hive bin header, found the end of the hive",
            )
        })?;
        if sig != SIGNATURE {
            return Err(FormatError::at(
                file_offset,
                format!(
                    "expected the hive bin signature \"hbin\", found {}",
                    found_bytes(Some(sig))
                ),
            ));
        }
        let short = || FormatError::at(file_offset, "expected a 32-byte hive bin header");
        let header = Self {
            offset: u32_at(bytes, 4).ok_or_else(short)?,
            size: u32_at(bytes, 8).ok_or_else(short)?,
            timestamp: u64_at(bytes, 20).ok_or_else(short)?,
        };
        if header.size == 0 || header.size % PAGE_SIZE != 0 {
            return Err(FormatError::at(
                file_offset + 8,
                format!(
                    "expected a hive bin size that is a non-zero multiple of 4096, found {}",
                    header.size
                ),
            ));
        }
        Ok(header)
    }

    /// The header as it is stored; reserved and spare fields are zero.
    pub fn encode(&self) -> [u8; HBIN_HEADER_SIZE as usize] {
        let mut b = [0u8; HBIN_HEADER_SIZE as usize];
        b[..4].copy_from_slice(SIGNATURE);
        put_u32(&mut b, 4, self.offset);
        put_u32(&mut b, 8, self.size);
        put_u64(&mut b, 20, self.timestamp);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips() {
        let h = HbinHeader {
            offset: 0x3000,
            size: 0x2000,
            timestamp: 0x01d0_0000_1234_5678,
        };
        assert_eq!(HbinHeader::parse(&h.encode(), 0).unwrap(), h);
    }

    #[test]
    fn bad_signature_and_size_are_refused_with_offsets() {
        let refused_at = |b: &[u8]| HbinHeader::parse(b, 0x1000).unwrap_err().offset;
        let mut b = HbinHeader {
            offset: 0,
            size: 4096,
            timestamp: 0,
        }
        .encode();
        b[8] = 1;
        assert_eq!(refused_at(&b), Some(0x1008));
        b[0] = 0;
        assert_eq!(refused_at(&b), Some(0x1000));
        assert!(HbinHeader::parse(&b[..3], 0).is_err());
    }
}
