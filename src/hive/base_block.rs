//! The 4096-byte `regf` base block at the start of every hive and log file (regf-spec "Base block").

use crate::error::{FormatError, found_bytes};

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

/// Read a little-endian u32 at `off`; the caller guarantees `off + 4 <= bytes.len()`.
pub(crate) fn le_u32(bytes: &[u8], off: usize) -> u32 {
    u32::from_le_bytes([bytes[off], bytes[off + 1], bytes[off + 2], bytes[off + 3]])
}

/// The decoded fields of a base block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseBlock {
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// Last written time as a Windows FILETIME (100 ns ticks since 1601).
    pub timestamp: u64,
    pub major_version: u32,
    pub minor_version: u32,
    pub file_type: u32,
    pub file_format: u32,
    pub root_cell_offset: u32,
    pub bins_size: u32,
    pub clustering_factor: u32,
    pub stored_checksum: u32,
    pub computed_checksum: u32,
}

impl BaseBlock {
    /// Decode the fields of the first 4096 bytes of `bytes`. Only the signature and the length
    /// are checked here; [`BaseBlock::validate_primary`] checks the rest.
    pub fn parse(bytes: &[u8]) -> Result<Self, FormatError> {
        let bytes = regf_header(bytes, BASE_BLOCK_SIZE, "base block")?;
        Ok(Self {
            primary_sequence: le_u32(bytes, OFF_PRIMARY_SEQUENCE),
            secondary_sequence: le_u32(bytes, OFF_SECONDARY_SEQUENCE),
            timestamp: u64::from(le_u32(bytes, OFF_TIMESTAMP))
                | u64::from(le_u32(bytes, OFF_TIMESTAMP + 4)) << 32,
            major_version: le_u32(bytes, OFF_MAJOR_VERSION),
            minor_version: le_u32(bytes, OFF_MINOR_VERSION),
            file_type: le_u32(bytes, OFF_FILE_TYPE),
            file_format: le_u32(bytes, OFF_FILE_FORMAT),
            root_cell_offset: le_u32(bytes, OFF_ROOT_CELL),
            bins_size: le_u32(bytes, OFF_BINS_SIZE),
            clustering_factor: le_u32(bytes, OFF_CLUSTERING_FACTOR),
            stored_checksum: le_u32(bytes, OFF_CHECKSUM),
            computed_checksum: checksum(bytes),
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
        if self.major_version != 1 || !(3..=6).contains(&self.minor_version) {
            return Err(FormatError::at(
                OFF_MAJOR_VERSION as u64,
                format!(
                    "expected hive format version 1.3 to 1.6, found {}",
                    self.version()
                ),
            ));
        }
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
        if self.bins_size == 0 || self.bins_size % 4096 != 0 {
            return Err(FormatError::at(
                OFF_BINS_SIZE as u64,
                format!(
                    "expected a hive bins size that is a non-zero multiple of 4096, found {}",
                    self.bins_size
                ),
            ));
        }
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
}

/// The first `size` bytes of a hive or log file (`what` names them in the error), once they
/// are known to be there and to start with the `regf` signature.
pub(crate) fn regf_header<'b>(
    bytes: &'b [u8],
    size: usize,
    what: &str,
) -> Result<&'b [u8], FormatError> {
    let Some(header) = bytes.get(..size) else {
        return Err(FormatError::at(
            0,
            format!(
                "expected a {size}-byte {what}, but the file has only {} bytes",
                bytes.len()
            ),
        ));
    };
    if !header.starts_with(SIGNATURE) {
        return Err(FormatError::at(
            0,
            format!(
                "expected the signature \"regf\", found {}",
                found_bytes(header.get(..4))
            ),
        ));
    }
    Ok(header)
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
