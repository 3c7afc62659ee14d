//! A log described on its own, without its primary hive: what a `logs` report shows.

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::log::header::{LogFormat, LogHeader};
use crate::hive::log::new_format::{LogEntry, scan_entries};
use crate::hive::log::old_format::DirtyVector;

#[derive(Debug, Clone, Serialize)]
pub struct LogDescription {
    pub header: LogHeader,
    /// Why Windows would not use this log (bad checksum, unequal sequence numbers...), if so.
    pub header_problem: Option<FormatError>,
    pub body: LogBody,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogBody {
    Old(OldLogBody),
    New(NewLogBody),
}

#[derive(Debug, Clone, Serialize)]
pub struct OldLogBody {
    /// Bits set in the dirty vector.
    pub dirty_pages: usize,
    /// How many of those pages the file actually holds.
    pub pages_present: usize,
    /// A missing dirty vector or a truncated page list.
    pub problem: Option<FormatError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewLogBody {
    pub entries: Vec<EntrySummary>,
    pub first_sequence: Option<u32>,
    pub last_sequence: Option<u32>,
    /// Why the entries end before the end of the file (see [`crate::hive::log::new_format::EntryScan`]).
    pub stop: Option<FormatError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntrySummary {
    pub offset: usize,
    pub size: u32,
    pub sequence: u32,
    pub flags: u32,
    pub bins_size: u32,
    pub dirty_pages: usize,
    pub dirty_bytes: usize,
}

impl From<&LogEntry<'_>> for EntrySummary {
    fn from(e: &LogEntry<'_>) -> Self {
        Self {
            offset: e.file_offset,
            size: e.size,
            sequence: e.sequence,
            flags: e.flags,
            bins_size: e.bins_size,
            dirty_pages: e.pages.len(),
            dirty_bytes: e.dirty_bytes(),
        }
    }
}

/// Parse a log on its own. Fails only when the bytes are not a registry log (empty, no `regf`,
/// not a log file type); everything else is recorded in the description. The body is read even
/// when the header is untrustworthy, so an analyst sees what the log holds.
pub fn describe_log(log: &[u8]) -> Result<LogDescription, FormatError> {
    let header = LogHeader::parse(log)?;
    let header_problem = header.validate().err();
    let body = match header.format {
        LogFormat::Old => LogBody::Old(match DirtyVector::parse(log, &header) {
            Ok(vector) => {
                let dirty_pages = vector.dirty_page_count();
                let missing = vector.dirty_pages().find(|p| p.bytes.is_none());
                OldLogBody {
                    dirty_pages,
                    pages_present: vector.dirty_pages().filter(|p| p.bytes.is_some()).count(),
                    problem: missing.map(|p| {
                        FormatError::at(
                            p.log_offset as u64,
                            format!(
                                "expected {dirty_pages} dirty pages, but the log ends at {} (truncated)",
                                log.len()
                            ),
                        )
                    }),
                }
            }
            Err(e) => OldLogBody {
                dirty_pages: 0,
                pages_present: 0,
                problem: Some(e),
            },
        }),
        LogFormat::New => {
            let scan = scan_entries(log, header.base.primary_sequence);
            let entries: Vec<EntrySummary> = scan.entries.iter().map(EntrySummary::from).collect();
            LogBody::New(NewLogBody {
                first_sequence: entries.first().map(|e| e.sequence),
                last_sequence: entries.last().map(|e| e.sequence),
                entries,
                stop: scan.stop,
            })
        }
    };
    Ok(LogDescription {
        header,
        header_problem,
        body,
    })
}
