//! The 4096-byte `regf` base block at the start of every hive and log file (regf-spec "Base block").

use serde::Serialize;

use crate::error::{FormatError, found_bytes};
use crate::hive::le::{u32_at, u64_at};

pub const BASE_BLOCK_SIZE: usize = 4096;
pub const SIGNATURE: &[u8; 4] = b"regf";
/// Offsets of the fields this project reads or writes.
pub const OFF_PRIMARY_SEQUENCE: usize = 4;
pub const OFF_SECONDARY_SEQUENCE: usize = 8;
pub const OFF_TIMESTAMP: usize = 12;
pub const OFF_MAJOR_VERSION: usize = 20;
pub const OFF_MINOR_VERSION: usize = 24;
pub const OFF_FILE_TYPE: usize = 28;
pub const OFF_FILE_FORMAT: usize = 32;
pub const OFF_ROOT_CELL: usize = 36;
pub const OFF_BINS_SIZE: usize = 40;
pub const OFF_CLUSTERING_FACTOR: usize = 44;
pub const OFF_FLAGS: usize = 144;
pub const OFF_CHECKSUM: usize = 508;

/// File type field values.
pub const FILE_TYPE_PRIMARY: u32 = 0;
pub const FILE_TYPE_LOG_OLD: u32 = 1;
pub const FILE_TYPE_LOG_OLD_NT: u32 = 2;
pub const FILE_TYPE_LOG_NEW: u32 = 6;

/// Every field lies in the first sector: a log holds only that much of the base block.
pub const FIELDS_SIZE: usize = 512;

/// The decoded fields of a base block (of a hive, or the copy in a log). The fields a log report
/// shows are serialized, in the order it shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaseBlock {
    pub file_type: u32,
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// Last written time as a Windows FILETIME (100 ns ticks since 1601).
    pub timestamp: u64,
    pub major_version: u32,
    pub minor_version: u32,
    pub root_cell_offset: u32,
    pub bins_size: u32,
    pub flags: u32,
    #[serde(skip)]
    pub file_format: u32,
    #[serde(skip)]
    pub clustering_factor: u32,
    #[serde(skip)]
    pub stored_checksum: u32,
    #[serde(skip)]
    pub computed_checksum: u32,
}

impl BaseBlock {
    /// Decode the fields of the first 4096 bytes of `bytes`. Only the signature and the length
    /// are checked here; [`BaseBlock::validate_primary`] checks the rest.
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        parse_regf(bytes, BASE_BLOCK_SIZE, "base block")
    }

    /// The fields of `header`, judged in nothing; `None` when it is shorter than [`FIELDS_SIZE`].
    pub(crate) fn decode(header: &[u8]) -> Option<Self> {
        let field = |at| u32_at(header, at);
        Some(Self {
            file_type: field(OFF_FILE_TYPE)?,
            primary_sequence: field(OFF_PRIMARY_SEQUENCE)?,
            secondary_sequence: field(OFF_SECONDARY_SEQUENCE)?,
            timestamp: u64_at(header, OFF_TIMESTAMP)?,
            major_version: field(OFF_MAJOR_VERSION)?,
            minor_version: field(OFF_MINOR_VERSION)?,
            root_cell_offset: field(OFF_ROOT_CELL)?,
            bins_size: field(OFF_BINS_SIZE)?,
            flags: field(OFF_FLAGS)?,
            file_format: field(OFF_FILE_FORMAT)?,
            clustering_factor: field(OFF_CLUSTERING_FACTOR)?,
            stored_checksum: field(OFF_CHECKSUM)?,
            computed_checksum: checksum(header.get(..FIELDS_SIZE)?),
        })
    }

    pub fn checksum_ok(&self) -> bool {
        self.stored_checksum == self.computed_checksum
    }

    /// A hive is dirty when its sequence numbers differ or its checksum is wrong (regf-spec
    /// "Dirty state of a hive"): its latest state may live in the transaction logs.
    pub fn is_dirty(&self) -> bool {
        self.primary_sequence != self.secondary_sequence || !self.checksum_ok()
    }

    /// "1.3", "1.5", ...
    pub fn version(&self) -> String {
        format!("{}.{}", self.major_version, self.minor_version)
    }

    /// Check what a reader of a primary hive file of `file_len` bytes needs: version, type,
    /// format, and hive bins that fit in the file. Trailing bytes past the bins are allowed.
    pub fn validate_primary(&self, file_len: u64) -> Result<(), FormatError> {
        self.check_version(3)?;
        if self.file_type != FILE_TYPE_PRIMARY {
            return Err(FormatError::at(
                OFF_FILE_TYPE as u64,
                format!(
                    "expected file type 0 (a primary hive), found {} (a transaction log?)",
                    self.file_type
                ),
            ));
        }
        if self.file_format != 1 {
            return Err(FormatError::at(
                OFF_FILE_FORMAT as u64,
                format!("expected file format 1, found {}", self.file_format),
            ));
        }
        self.check_bins_size()?;
        let needed = BASE_BLOCK_SIZE as u64 + u64::from(self.bins_size);
        if needed > file_len {
            return Err(FormatError::at(
                OFF_BINS_SIZE as u64,
                format!(
                    "the base block claims {} bytes of hive bins, but the file holds only {} bytes after the base block (truncated?)",
                    self.bins_size,
                    file_len.saturating_sub(BASE_BLOCK_SIZE as u64)
                ),
            ));
        }
        if u64::from(self.root_cell_offset) >= u64::from(self.bins_size) {
            return Err(FormatError::at(
                OFF_ROOT_CELL as u64,
                format!(
                    "expected the root cell offset inside the {} bytes of hive bins, found {:#x}",
                    self.bins_size, self.root_cell_offset
                ),
            ));
        }
        Ok(())
    }

    /// Format version 1.`oldest_minor` to 1.6 (a log may be older than the hives this reads).
    pub(crate) fn check_version(&self, oldest_minor: u32) -> Result<(), FormatError> {
        if self.major_version != 1 || !(oldest_minor..=6).contains(&self.minor_version) {
            return Err(FormatError::at(
                OFF_MAJOR_VERSION as u64,
                format!(
                    "expected hive format version 1.{oldest_minor} to 1.6, found {}",
                    self.version()
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_bins_size(&self) -> Result<(), FormatError> {
        if self.bins_size == 0 || self.bins_size % 4096 != 0 {
            return Err(FormatError::at(
                OFF_BINS_SIZE as u64,
                format!(
                    "expected a hive bins size that is a non-zero multiple of 4096, found {}",
                    self.bins_size
                ),
            ));
        }
        Ok(())
    }
}

/// The fields of the first `size` (at least [`FIELDS_SIZE`]) bytes of a hive or log file
/// (`what` names them in the error), once they are known to be there and to start with the
/// `regf` signature.
pub(crate) fn parse_regf(bytes: &[u8], size: usize, what: &str) -> Result<BaseBlock, FormatError> {
    let short = || {
        FormatError::at(
            0,
            format!(
                "expected a {size}-byte {what}, but the file has only {} bytes",
                bytes.len()
            ),
        )
    };
    let header = bytes.get(..size).ok_or_else(short)?;
    if !header.starts_with(SIGNATURE) {
        return Err(FormatError::at(
            0,
            format!(
                "expected the signature \"regf\", found {}",
                found_bytes(header.get(..4))
            ),
        ));
    }
    BaseBlock::decode(header).ok_or_else(short)
}

/// The base block checksum: XOR of the 127 little-endian words before offset 508, with 0 mapped
/// to 1 and 0xFFFFFFFF to 0xFFFFFFFE. `bytes` must hold at least 508 bytes.
pub fn checksum(bytes: &[u8]) -> u32 {
    let sum = bytes[..OFF_CHECKSUM].chunks_exact(4).fold(0u32, |acc, w| {
        acc ^ u32::from_le_bytes([w[0], w[1], w[2], w[3]])
    });
    match sum {
        0 => 1,
        u32::MAX => u32::MAX - 1,
        s => s,
    }
}

/// Recompute and store the checksum of the base block at the start of `bytes`.
pub fn write_checksum(bytes: &mut [u8]) {
    let sum = checksum(bytes);
    bytes[OFF_CHECKSUM..OFF_CHECKSUM + 4].copy_from_slice(&sum.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Vec<u8> {
        let mut b = vec![0u8; BASE_BLOCK_SIZE + 4096];
        b[..4].copy_from_slice(SIGNATURE);
        b[OFF_MAJOR_VERSION..OFF_MAJOR_VERSION + 4].copy_from_slice(&1u32.to_le_bytes());
        b[OFF_MINOR_VERSION..OFF_MINOR_VERSION + 4].copy_from_slice(&5u32.to_le_bytes());
        b[OFF_FILE_FORMAT..OFF_FILE_FORMAT + 4].copy_from_slice(&1u32.to_le_bytes());
        b[OFF_ROOT_CELL..OFF_ROOT_CELL + 4].copy_from_slice(&0x20u32.to_le_bytes());
        b[OFF_BINS_SIZE..OFF_BINS_SIZE + 4].copy_from_slice(&4096u32.to_le_bytes());
        write_checksum(&mut b);
        b
    }

    #[test]
    fn checksum_round_trips_and_detects_change() {
        let mut b = minimal();
        let bb = BaseBlock::parse(&b).unwrap();
        assert!(bb.checksum_ok());
        assert!(!bb.is_dirty());
        bb.validate_primary(b.len() as u64).unwrap();
        b[OFF_PRIMARY_SEQUENCE] = 7;
        let bb = BaseBlock::parse(&b).unwrap();
        assert!(!bb.checksum_ok());
        assert!(bb.is_dirty());
    }

    #[test]
    fn checksum_fixups() {
        // All-zero words XOR to 0, which is stored as 1.
        let zero = vec![0u8; 512];
        assert_eq!(checksum(&zero), 1);
    }

    #[test]
    fn bins_past_end_of_file_are_refused_with_the_offset() {
        let b = minimal();
        let bb = BaseBlock::parse(&b).unwrap();
        let err = bb.validate_primary(4096 + 100).unwrap_err();
        assert_eq!(err.offset, Some(OFF_BINS_SIZE as u64));
        assert!(err.message.contains("truncated"));
    }
}
