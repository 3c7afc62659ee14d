//! The partial base block copy in the first 512 bytes of a transaction log (regf-spec "Format of
//! transaction log files", "Base block"): its file type says old or new format.

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::base_block::{
    FILE_TYPE_LOG_NEW, FILE_TYPE_LOG_OLD, FILE_TYPE_LOG_OLD_NT, OFF_BINS_SIZE, OFF_CHECKSUM,
    OFF_FILE_TYPE, OFF_FLAGS, OFF_MAJOR_VERSION, OFF_MINOR_VERSION, OFF_PRIMARY_SEQUENCE,
    OFF_ROOT_CELL, OFF_SECONDARY_SEQUENCE, OFF_TIMESTAMP, checksum, le_u32, regf_header,
};

/// Windows writes one 512-byte sector of the base block to a log, whatever the disk's sector size.
pub const LOG_HEADER_SIZE: usize = 512;

/// Old format: a dirty vector and 512-byte pages (up to Windows 8). New format: `HvLE` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Old,
    New,
}

impl LogFormat {
    pub fn name(self) -> &'static str {
        match self {
            LogFormat::Old => "old",
            LogFormat::New => "new",
        }
    }
}

/// The decoded base block copy of a log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogHeader {
    pub format: LogFormat,
    pub file_type: u32,
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// Last written time (FILETIME) of the hive when the log was written.
    pub timestamp: u64,
    pub major_version: u32,
    pub minor_version: u32,
    pub root_cell_offset: u32,
    pub bins_size: u32,
    pub flags: u32,
    pub checksum_ok: bool,
}

impl LogHeader {
    /// Decode the header of `log`. Fails only when the bytes are not a registry log at all
    /// (too short, no `regf`, a file type that is not a log); [`LogHeader::validate`] says
    /// whether Windows would trust it.
    pub fn parse(log: &[u8]) -> Result<Self, FormatError> {
        let header = regf_header(log, LOG_HEADER_SIZE, "log base block")?;
        let file_type = le_u32(header, OFF_FILE_TYPE);
        let format = match file_type {
            FILE_TYPE_LOG_OLD | FILE_TYPE_LOG_OLD_NT => LogFormat::Old,
            FILE_TYPE_LOG_NEW => LogFormat::New,
            other => {
                return Err(FormatError::at(
                    OFF_FILE_TYPE as u64,
                    format!(
                        "expected a log file type (1 or 2 for the old format, 6 for the new), found {other}"
                    ),
                ));
            }
        };
        Ok(Self {
            format,
            file_type,
            primary_sequence: le_u32(header, OFF_PRIMARY_SEQUENCE),
            secondary_sequence: le_u32(header, OFF_SECONDARY_SEQUENCE),
            timestamp: u64::from(le_u32(header, OFF_TIMESTAMP))
                | u64::from(le_u32(header, OFF_TIMESTAMP + 4)) << 32,
            major_version: le_u32(header, OFF_MAJOR_VERSION),
            minor_version: le_u32(header, OFF_MINOR_VERSION),
            root_cell_offset: le_u32(header, OFF_ROOT_CELL),
            bins_size: le_u32(header, OFF_BINS_SIZE),
            flags: le_u32(header, OFF_FLAGS),
            checksum_ok: le_u32(header, OFF_CHECKSUM) == checksum(header),
        })
    }

    /// A log is usable only with a valid checksum and equal sequence numbers (spec "Old format",
    /// notes 2); its hive bins size sizes the dirty vector, so it must be sane too.
    pub fn validate(&self) -> Result<(), FormatError> {
        if !self.checksum_ok {
            return Err(FormatError::at(
                OFF_CHECKSUM as u64,
                "expected a valid base block checksum in the log, found a wrong one (the log was not completely written)",
            ));
        }
        if self.primary_sequence != self.secondary_sequence {
            return Err(FormatError::at(
                OFF_PRIMARY_SEQUENCE as u64,
                format!(
                    "expected equal sequence numbers in the log's base block, found {} and {}",
                    self.primary_sequence, self.secondary_sequence
                ),
            ));
        }
        if self.major_version != 1 || !(1..=6).contains(&self.minor_version) {
            return Err(FormatError::at(
                OFF_MAJOR_VERSION as u64,
                format!(
                    "expected hive format version 1.1 to 1.6, found {}.{}",
                    self.major_version, self.minor_version
                ),
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
        Ok(())
    }
}
