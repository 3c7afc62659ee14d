//! The partial base block copy in the first 512 bytes of a transaction log (regf-spec "Format of
//! transaction log files", "Base block"): its file type says old or new format.

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::base_block::{
    BaseBlock, FIELDS_SIZE, FILE_TYPE_LOG_NEW, FILE_TYPE_LOG_OLD, FILE_TYPE_LOG_OLD_NT,
    OFF_CHECKSUM, OFF_FILE_TYPE, OFF_PRIMARY_SEQUENCE, parse_regf,
};

/// Windows writes one 512-byte sector of the base block to a log, whatever the disk's sector size.
pub const LOG_HEADER_SIZE: usize = FIELDS_SIZE;

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
    #[serde(flatten)]
    pub base: BaseBlock,
    pub checksum_ok: bool,
}

impl LogHeader {
    /// Decode the header of `log`. Fails only when the bytes are not a registry log at all
    /// (too short, no `regf`, a file type that is not a log); [`LogHeader::validate`] says
    /// whether Windows would trust it.
    pub fn parse(log: &[u8]) -> Result<Self, FormatError> {
        let base = parse_regf(log, LOG_HEADER_SIZE, "log base block")?;
        let format = match base.file_type {
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
            checksum_ok: base.checksum_ok(),
            base,
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
        let base = &self.base;
        if base.primary_sequence != base.secondary_sequence {
            return Err(FormatError::at(
                OFF_PRIMARY_SEQUENCE as u64,
                format!(
                    "expected equal sequence numbers in the log's base block, found {} and {}",
                    base.primary_sequence, base.secondary_sequence
                ),
            ));
        }
        base.check_version(1)?;
        base.check_bins_size()
    }
}
