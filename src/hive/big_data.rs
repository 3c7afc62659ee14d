//! The big data `db` record (regf-spec "Big data"): value data longer than one cell may hold, split
//! into segments listed in a separate offset list (see [`crate::hive::offset_list`]).

use crate::error::FormatError;
use crate::hive::le::{expect_signature, put_u16, put_u32, u16_at, u32_at};

pub const SIGNATURE: &[u8; 2] = b"db";
/// Every segment but the last holds exactly this many bytes (16384 - 40).
pub const SEGMENT_SIZE: usize = 16344;
/// Hive minor version from which data longer than [`SEGMENT_SIZE`] must be stored as big data.
pub const MIN_MINOR_VERSION: u32 = 4;
/// The record's size: signature, count, list offset and 4 unused bytes, as Windows writes it.
const RECORD_SIZE: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BigData {
    pub segment_count: u16,
    pub segments_list: u32,
}

impl BigData {
    /// Decode the cell data `data` found at `file_offset`.
    pub fn parse(data: &[u8], file_offset: u64) -> Result<Self, FormatError> {
        expect_signature(data, SIGNATURE, "a big data record", file_offset)?;
        let short = || FormatError::at(file_offset, "expected an 8-byte big data record");
        Ok(Self {
            segment_count: u16_at(data, 2).ok_or_else(short)?,
            segments_list: u32_at(data, 4).ok_or_else(short)?,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut data = vec![0u8; RECORD_SIZE];
        data[..2].copy_from_slice(SIGNATURE);
        put_u16(&mut data, 2, self.segment_count);
        put_u32(&mut data, 4, self.segments_list);
        data
    }
}

/// Whether a hive of `minor_version` stores `data_len` bytes of value data as big data.
pub fn is_big(minor_version: u32, data_len: usize) -> bool {
    minor_version >= MIN_MINOR_VERSION && data_len > SEGMENT_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let db = BigData {
            segment_count: 3,
            segments_list: 0x5000,
        };
        assert_eq!(BigData::parse(&db.encode(), 0).unwrap(), db);
        assert!(BigData::parse(b"db\x01", 0x30).is_err());
        assert!(BigData::parse(b"lh\x01\0\0\0\0\0", 0).is_err());
    }

    #[test]
    fn big_data_starts_past_one_segment_from_version_1_4() {
        assert!(!is_big(3, 100_000));
        assert!(!is_big(5, SEGMENT_SIZE));
        assert!(is_big(4, SEGMENT_SIZE + 1));
    }
}
