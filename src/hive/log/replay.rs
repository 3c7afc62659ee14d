//! Replaying transaction logs onto a dirty primary hive, in memory, as Windows does at load time
//! (regf-spec "Dirty state of a hive", "Multiple transaction log files", and the notes of
//! "Old format" and "Log entries").

use std::path::PathBuf;

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::base_block::{
    BASE_BLOCK_SIZE, BaseBlock, FILE_TYPE_PRIMARY, OFF_BINS_SIZE, OFF_FILE_TYPE, OFF_FLAGS,
    OFF_PRIMARY_SEQUENCE, OFF_SECONDARY_SEQUENCE, SIGNATURE, write_checksum,
};
use crate::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader};
use crate::hive::le::{put_u32, u32_at};
use crate::hive::log::header::{LOG_HEADER_SIZE, LogFormat, LogHeader};
use crate::hive::log::new_format::{scan_entries, sequence_precedes};
use crate::hive::log::old_format::{DirtyVector, PAGE_SIZE};
use crate::hive::read_file::ReadFile;
use crate::report::json_path;

/// A log file's name and bytes (typically a file read by the caller).
#[derive(Debug, Clone, Copy)]
pub struct LogFile<'a> {
    pub path: &'a std::path::Path,
    pub bytes: &'a [u8],
}

impl<'a> From<&'a ReadFile> for LogFile<'a> {
    fn from(file: &'a ReadFile) -> Self {
        Self {
            path: file.path(),
            bytes: file.bytes(),
        }
    }
}

/// The replayed hive and what was done to get it.
#[derive(Debug)]
pub struct Replay {
    /// `None` when nothing was applied (read the primary as it is), else the recovered image:
    /// the primary's bytes with the logs' pages written over them, grown when the logs say the
    /// hive grew, and a base block with a valid checksum and equal sequence numbers.
    pub recovered: Option<Vec<u8>>,
    pub report: ReplayReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplayReport {
    /// The primary's base block as found.
    pub primary: PrimaryState,
    /// Whether the primary needed recovery (bad base block or unequal sequence numbers).
    pub was_dirty: bool,
    /// The log whose base block copy replaced the primary's invalid one.
    #[serde(serialize_with = "json_path::lossy_option")]
    pub base_block_from: Option<PathBuf>,
    pub applied: Vec<AppliedLog>,
    pub skipped: Vec<SkippedLog>,
    /// Dirty, and no log could be applied: the latest changes may exist nowhere else.
    pub data_may_be_missing: bool,
    /// The logs that describe the original primary, not the recovered image: whoever puts the
    /// image in the primary's place must move these aside, or a later load could replay them
    /// again. Empty when nothing was applied (then the logs still belong to the primary).
    #[serde(serialize_with = "json_path::lossy_list")]
    pub logs_to_move_aside: Vec<PathBuf>,
    /// The sequence number now in both fields of the image's base block, when logs were applied.
    pub sequence: Option<u32>,
    /// The hive bins size of the image.
    pub bins_size: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PrimaryState {
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    pub signature_ok: bool,
    pub checksum_ok: bool,
    pub bins_size: u32,
}

impl PrimaryState {
    fn base_block_valid(&self) -> bool {
        self.signature_ok && self.checksum_ok
    }

    fn is_dirty(&self) -> bool {
        !self.base_block_valid() || self.primary_sequence != self.secondary_sequence
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AppliedLog {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: PathBuf,
    pub format: LogFormat,
    /// New format: entries applied. Old format: 0 (it has no entries).
    pub entries_applied: usize,
    pub pages_applied: usize,
    /// New format: the first and last entry applied. Old format: both are the sequence
    /// number the image's base block now carries.
    pub first_sequence: Option<u32>,
    pub last_sequence: Option<u32>,
    /// Why application stopped before the end of the log, when it did: an invalid or
    /// out-of-sequence entry (often just older entries left in the file), or a bad dirty bin.
    pub stopped: Option<FormatError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedLog {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: PathBuf,
    pub reason: String,
}

/// Replay `logs` onto `primary`. Fails only when `primary` is too short to hold a base block;
/// every other problem is reported in [`ReplayReport`], and what could be applied is applied.
///
/// Memory: nothing is copied for a clean hive or when nothing applies; otherwise one copy of the
/// primary (the primary stays as read: it is what was hashed, and a log that fails half-way
/// leaves it untouched), grown
/// to the hive bins size the logs give, which is bounded by the bytes the primary and logs hold.
pub fn replay(primary: &[u8], logs: &[LogFile<'_>]) -> Result<Replay, FormatError> {
    let state = read_primary_state(primary)?;
    let mut replayer = Replayer {
        primary,
        state: state.clone(),
        image: None,
        growth_limit: logs.iter().fold(primary.len() as u64, |sum, log| {
            sum.saturating_add(log.bytes.len() as u64)
        }),
        applied: Vec::new(),
        skipped: Vec::new(),
        base_block_from: None,
    };
    let was_dirty = state.is_dirty();
    if !was_dirty {
        for log in logs {
            replayer.skip(
                log,
                "the primary hive is clean: its logs hold nothing to apply",
            );
        }
    } else {
        let (new_logs, old_logs) = replayer.usable_logs(logs);
        replayer.replay_new(&new_logs);
        let nothing_applied = replayer.image.is_none();
        if nothing_applied {
            replayer.replay_old(&old_logs);
        } else {
            for (log, _) in &old_logs {
                replayer.skip(log, "not used: new-format logs were applied");
            }
        }
    }
    let Replayer {
        image,
        applied,
        mut skipped,
        base_block_from,
        ..
    } = replayer;
    // Report skipped logs in the caller's order, whichever step skipped them.
    skipped.sort_by_key(|s| logs.iter().position(|log| log.path == s.path));
    let recovered = image.is_some();
    let (sequence, bins_size) = match image.as_deref().and_then(BaseBlock::decode) {
        Some(base) => (Some(base.primary_sequence), base.bins_size),
        None => (None, state.bins_size),
    };
    let logs_to_move_aside = if recovered {
        logs.iter()
            .filter(|log| !log.bytes.is_empty())
            .map(|log| log.path.to_path_buf())
            .collect()
    } else {
        Vec::new()
    };
    Ok(Replay {
        recovered: image,
        report: ReplayReport {
            primary: state,
            was_dirty,
            base_block_from,
            applied,
            skipped,
            data_may_be_missing: was_dirty && !recovered,
            logs_to_move_aside,
            sequence,
            bins_size,
        },
    })
}

fn read_primary_state(primary: &[u8]) -> Result<PrimaryState, FormatError> {
    let Some(base) = primary.get(..BASE_BLOCK_SIZE).and_then(BaseBlock::decode) else {
        return Err(FormatError::at(
            0,
            format!(
                "expected a {BASE_BLOCK_SIZE}-byte base block, but the hive file has only {} bytes",
                primary.len()
            ),
        ));
    };
    Ok(PrimaryState {
        primary_sequence: base.primary_sequence,
        secondary_sequence: base.secondary_sequence,
        signature_ok: primary.starts_with(SIGNATURE),
        checksum_ok: base.checksum_ok(),
        bins_size: base.bins_size,
    })
}

struct Replayer<'p> {
    primary: &'p [u8],
    state: PrimaryState,
    /// Created (a copy of the primary) when the first page is about to be written.
    image: Option<Vec<u8>>,
    /// The largest image the files can justify: pages past the primary's end must come from
    /// the logs, so a hive cannot grow by more than the logs hold.
    growth_limit: u64,
    applied: Vec<AppliedLog>,
    skipped: Vec<SkippedLog>,
    base_block_from: Option<PathBuf>,
}

/// A log whose header Windows would trust, with that header.
type UsableLog<'l> = (LogFile<'l>, LogHeader);

impl Replayer<'_> {
    fn skip(&mut self, log: &LogFile<'_>, reason: impl Into<String>) {
        self.skipped.push(SkippedLog {
            path: log.path.to_path_buf(),
            reason: reason.into(),
        });
    }

    /// Split the logs Windows would trust by format; report the others.
    fn usable_logs<'l>(
        &mut self,
        logs: &[LogFile<'l>],
    ) -> (Vec<UsableLog<'l>>, Vec<UsableLog<'l>>) {
        let mut new_logs = Vec::new();
        let mut old_logs = Vec::new();
        for log in logs {
            if log.bytes.is_empty() {
                self.skip(log, "empty file");
                continue;
            }
            let header = match LogHeader::parse(log.bytes).and_then(|h| h.validate().map(|()| h)) {
                Ok(header) => header,
                Err(e) => {
                    self.skip(log, format!("unusable log base block: {e}"));
                    continue;
                }
            };
            match header.format {
                LogFormat::New => new_logs.push((*log, header)),
                LogFormat::Old => old_logs.push((*log, header)),
            }
        }
        (new_logs, old_logs)
    }

    /// The image to write into: a copy of the primary, made on first use with room for
    /// `size` bytes, so growing it later does not copy it again. When the primary's base block is
    /// invalid, it is replaced by the log's copy (spec "Log entries", note 6).
    fn image_for(&mut self, log: &LogFile<'_>, size: u64) -> &mut Vec<u8> {
        let primary = self.primary;
        let replace_base_block = !self.state.base_block_valid();
        let base_block_from = &mut self.base_block_from;
        self.image.get_or_insert_with(|| {
            let mut image = Vec::with_capacity(primary.len().max(to_usize(size)));
            image.extend_from_slice(primary);
            if replace_base_block {
                install_log_base_block(&mut image, log.bytes);
                *base_block_from = Some(log.path.to_path_buf());
            }
            image
        })
    }

    /// New format: apply entries in strict sequence order across the logs, older log first,
    /// continuing in the next log at N + 1 (spec "Multiple transaction log files").
    fn replay_new(&mut self, logs: &[UsableLog<'_>]) {
        let mut ordered: Vec<&UsableLog<'_>> = logs.iter().collect();
        ordered
            .sort_by(|a, b| sequence_order(a.1.base.primary_sequence, b.1.base.primary_sequence));
        if !self.state.base_block_valid() && ordered.len() > 1 {
            // With an invalid primary base block only the log with the latest entries is used.
            let latest = ordered.split_off(ordered.len() - 1);
            for (log, _) in ordered {
                self.skip(
                    log,
                    "the primary's base block is invalid: only the log with the latest entries is used",
                );
            }
            ordered = latest;
        }
        let mut last: Option<u32> = None;
        for (log, header) in ordered {
            let start = header.base.primary_sequence;
            match last {
                None if self.state.base_block_valid()
                    && sequence_precedes(start, self.state.secondary_sequence) =>
                {
                    self.skip(
                        log,
                        format!(
                            "its entries start at sequence {start}, before the primary's secondary sequence number {}: they are already in the primary",
                            self.state.secondary_sequence
                        ),
                    );
                    continue;
                }
                Some(n) if start != n.wrapping_add(1) => {
                    self.skip(
                        log,
                        format!(
                            "its entries start at sequence {start}, but the previous log stopped at {n}: they do not continue it"
                        ),
                    );
                    continue;
                }
                _ => {}
            }
            let applied = self.apply_entries(log, start);
            // A log that yields nothing ends the chain: the next log would have to start at
            // `start`, which no other log does.
            last = Some(applied.last_sequence.unwrap_or(start.wrapping_sub(1)));
            if applied.entries_applied == 0 {
                let why = applied
                    .stopped
                    .map_or_else(|| "it holds no log entries".to_string(), |e| e.to_string());
                self.skip(log, format!("no entry could be applied: {why}"));
            } else {
                self.applied.push(applied);
            }
        }
        if let Some(image) = self.image.as_mut() {
            finish_base_block(image);
        }
    }

    fn apply_entries(&mut self, log: &LogFile<'_>, start: u32) -> AppliedLog {
        let scan = scan_entries(log.bytes, start);
        let mut applied = AppliedLog {
            path: log.path.to_path_buf(),
            format: LogFormat::New,
            entries_applied: 0,
            pages_applied: 0,
            first_sequence: None,
            last_sequence: None,
            stopped: scan.stop,
        };
        let growth_limit = self.growth_limit;
        let largest = scan
            .entries
            .iter()
            .map(|e| BASE_BLOCK_SIZE as u64 + u64::from(e.bins_size))
            .filter(|&needed| needed <= growth_limit)
            .max()
            .unwrap_or(0);
        for entry in &scan.entries {
            let needed = BASE_BLOCK_SIZE as u64 + u64::from(entry.bins_size);
            if needed > growth_limit {
                applied.stopped = Some(FormatError::at(
                    entry.file_offset as u64 + 16,
                    format!(
                        "expected a hive bins size the files can back, but entry {} claims {} bytes and the primary and its logs hold only {growth_limit} bytes",
                        entry.sequence, entry.bins_size
                    ),
                ));
                break;
            }
            let image = self.image_for(log, largest);
            grow_to(image, to_usize(needed));
            for (page, bytes) in entry.dirty_pages() {
                let at = BASE_BLOCK_SIZE + page.offset as usize;
                if let Some(target) = image.get_mut(at..at + bytes.len()) {
                    target.copy_from_slice(bytes);
                }
                applied.pages_applied += 1;
            }
            // The base block in memory after this entry (spec "Log entries", notes 9 and 11).
            put_u32(image, OFF_BINS_SIZE, entry.bins_size);
            let flags = u32_at(image, OFF_FLAGS).unwrap_or(0) & !1 | entry.flags & 1;
            put_u32(image, OFF_FLAGS, flags);
            put_u32(image, OFF_PRIMARY_SEQUENCE, entry.sequence);
            put_u32(image, OFF_SECONDARY_SEQUENCE, entry.sequence);
            applied.entries_applied += 1;
            applied.first_sequence.get_or_insert(entry.sequence);
            applied.last_sequence = Some(entry.sequence);
        }
        applied
    }

    /// Old format: one log holds all dirty data, so only the most recent applicable one is used.
    /// A log applies when it is not older than the primary (spec "Old format", note 3 says its
    /// last written time equals the primary's; Windows 8 also takes a newer second log).
    fn replay_old(&mut self, logs: &[UsableLog<'_>]) {
        let primary_time = self.primary_time();
        let mut ordered: Vec<&UsableLog<'_>> = logs.iter().collect();
        // Newest first; a stable sort keeps the caller's order (LOG before LOG1...) on ties.
        ordered.sort_by_key(|log| std::cmp::Reverse(log.1.base.timestamp));
        for (log, header) in ordered {
            if self.image.is_some() {
                self.skip(
                    log,
                    "not used: a more recent old-format log was applied (each holds all dirty data)",
                );
                continue;
            }
            if let Some(time) = primary_time.filter(|&t| header.base.timestamp < t) {
                self.skip(
                    log,
                    format!(
                        "its last written time {:#x} is older than the primary's {time:#x}: it describes earlier writes",
                        header.base.timestamp
                    ),
                );
                continue;
            }
            match DirtyVector::parse(log.bytes, header) {
                Ok(vector) => self.apply_dirty_vector(log, header, &vector),
                Err(e) => self.skip(log, format!("unusable dirty vector: {e}")),
            }
        }
    }

    /// The primary's last written time, or the first hive bin's when the base block is invalid
    /// (spec "Old format", note 3).
    fn primary_time(&self) -> Option<u64> {
        if self.state.base_block_valid() {
            return BaseBlock::decode(self.primary).map(|base| base.timestamp);
        }
        let first_bin = self.primary.get(BASE_BLOCK_SIZE..)?;
        HbinHeader::parse(first_bin, BASE_BLOCK_SIZE as u64)
            .ok()
            .map(|bin| bin.timestamp)
    }

    fn apply_dirty_vector(
        &mut self,
        log: &LogFile<'_>,
        header: &LogHeader,
        vector: &DirtyVector<'_>,
    ) {
        let needed = BASE_BLOCK_SIZE as u64 + u64::from(header.base.bins_size);
        if needed > self.growth_limit {
            self.skip(
                log,
                format!(
                    "its base block claims {} bytes of hive bins, but the primary and its logs hold only {} bytes",
                    header.base.bins_size, self.growth_limit
                ),
            );
            return;
        }
        let primary_valid = self.state.base_block_valid();
        let primary_sequence = self.state.primary_sequence;
        let image = self.image_for(log, needed);
        grow_to(image, to_usize(needed));
        let (pages_applied, stopped) = write_dirty_bins(image, vector, header.base.bins_size);
        if pages_applied == 0 {
            self.image = None;
            self.base_block_from = None;
            let why = stopped.map_or_else(
                || "its dirty vector is empty".to_string(),
                |e| e.to_string(),
            );
            self.skip(log, format!("no dirty page could be applied: {why}"));
            return;
        }
        // The log's base block copy is the hive's base block as of the logged write. Up to
        // Windows 2003 the primary's sequence number was incremented once more after the log
        // was written (spec "Old format", note 5), so keep the later of the two.
        install_log_base_block_sector(image, log.bytes);
        let sequence =
            if primary_valid && sequence_precedes(header.base.primary_sequence, primary_sequence) {
                primary_sequence
            } else {
                header.base.primary_sequence
            };
        put_u32(image, OFF_PRIMARY_SEQUENCE, sequence);
        put_u32(image, OFF_SECONDARY_SEQUENCE, sequence);
        finish_base_block(image);
        self.applied.push(AppliedLog {
            path: log.path.to_path_buf(),
            format: LogFormat::Old,
            entries_applied: 0,
            pages_applied,
            first_sequence: Some(sequence),
            last_sequence: Some(sequence),
            stopped,
        });
    }
}

/// Write the dirty pages bin by bin, checking each bin that receives pages: its header (from the
/// log when that page is dirty, else from the image) must be a valid hive bin header that gives
/// its own offset and ends within the hive bins. Recovery stops at the first bad bin (spec "Dirty pages"); returns the
/// pages written and why it stopped.
fn write_dirty_bins(
    image: &mut [u8],
    vector: &DirtyVector<'_>,
    bins_size: u32,
) -> (usize, Option<FormatError>) {
    let bins_size = bins_size as usize;
    let mut pages = vector.dirty_pages().peekable();
    let mut written = 0;
    let mut bin_start = 0usize;
    while let Some(&first) = pages.peek() {
        let (header, at) = if first.bins_offset == bin_start {
            (first.bytes, first.log_offset)
        } else {
            (
                image.get(BASE_BLOCK_SIZE + bin_start..),
                BASE_BLOCK_SIZE + bin_start,
            )
        };
        let header = header.and_then(|b| b.get(..HBIN_HEADER_SIZE as usize));
        let bin_size = match header.map(|h| check_bin_header(h, at, bin_start, bins_size)) {
            Some(Ok(size)) => size,
            Some(Err(e)) => return (written, Some(e)),
            None => {
                return (
                    written,
                    Some(FormatError::at(
                        first.log_offset as u64,
                        format!(
                            "expected the hive bin header at bins offset {bin_start:#x}, but the log or hive ends first (truncated)"
                        ),
                    )),
                );
            }
        };
        let bin_end = bin_start + bin_size;
        while let Some(page) = pages.next_if(|p| p.bins_offset < bin_end) {
            let Some(bytes) = page.bytes else {
                return (
                    written,
                    Some(FormatError::at(
                        page.log_offset as u64,
                        "expected a 512-byte dirty page, but the log ends here (truncated)",
                    )),
                );
            };
            let at = BASE_BLOCK_SIZE + page.bins_offset;
            if let Some(target) = image.get_mut(at..at + PAGE_SIZE) {
                target.copy_from_slice(bytes);
                written += 1;
            }
        }
        bin_start = bin_end;
    }
    (written, None)
}

/// The size of the bin whose header, found at file offset `at`, should start at `bin_start`.
fn check_bin_header(
    header: &[u8],
    at: usize,
    bin_start: usize,
    bins_size: usize,
) -> Result<usize, FormatError> {
    let bin = HbinHeader::parse(header, at as u64)?;
    let (offset, size) = (bin.offset as usize, bin.size as usize);
    if offset != bin_start {
        return Err(FormatError::at(
            at as u64 + 4,
            format!(
                "expected the hive bin at bins offset {bin_start:#x} to record that offset, found {offset:#x}"
            ),
        ));
    }
    if bin_start + size > bins_size {
        return Err(FormatError::at(
            at as u64 + 8,
            format!(
                "expected the hive bin at bins offset {bin_start:#x} to end within the {bins_size} bytes of hive bins, found a size of {size}"
            ),
        ));
    }
    Ok(size)
}

/// Order sequence numbers, allowing for wrap-around at 2^32.
fn sequence_order(a: u32, b: u32) -> std::cmp::Ordering {
    if a == b {
        std::cmp::Ordering::Equal
    } else if sequence_precedes(a, b) {
        std::cmp::Ordering::Less
    } else {
        std::cmp::Ordering::Greater
    }
}

/// Make the image at least `len` bytes long, new bytes zero.
fn grow_to(image: &mut Vec<u8>, len: usize) {
    if len > image.len() {
        image.resize(len, 0);
    }
}

/// Sizes here were checked against the bytes of the files, so they fit in a usize.
fn to_usize(size: u64) -> usize {
    usize::try_from(size).unwrap_or(usize::MAX)
}

/// Replace an invalid base block by the log's sector, the rest zeroed.
fn install_log_base_block(image: &mut [u8], log: &[u8]) {
    if let Some(base_block) = image.get_mut(..BASE_BLOCK_SIZE) {
        base_block.fill(0);
    }
    install_log_base_block_sector(image, log);
}

fn install_log_base_block_sector(image: &mut [u8], log: &[u8]) {
    if let (Some(target), Some(source)) =
        (image.get_mut(..LOG_HEADER_SIZE), log.get(..LOG_HEADER_SIZE))
    {
        target.copy_from_slice(source);
    }
}

/// Turn the in-memory base block into a primary file's: file type 0 and a fresh checksum.
fn finish_base_block(image: &mut [u8]) {
    put_u32(image, OFF_FILE_TYPE, FILE_TYPE_PRIMARY);
    write_checksum(image);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hive::base_block::{
        OFF_CHECKSUM, OFF_CLUSTERING_FACTOR, OFF_FILE_FORMAT, OFF_MAJOR_VERSION, OFF_MINOR_VERSION,
        OFF_ROOT_CELL, OFF_TIMESTAMP,
    };
    use crate::hive::log::new_format::tests::{entry, rehash};
    use std::path::Path;

    fn base_block(file_type: u32, sequences: (u32, u32), bins_size: u32) -> Vec<u8> {
        let mut b = vec![0u8; BASE_BLOCK_SIZE];
        b[..4].copy_from_slice(SIGNATURE);
        for (at, value) in [
            (OFF_PRIMARY_SEQUENCE, sequences.0),
            (OFF_SECONDARY_SEQUENCE, sequences.1),
            (OFF_MAJOR_VERSION, 1),
            (OFF_MINOR_VERSION, 5),
            (OFF_FILE_TYPE, file_type),
            (OFF_FILE_FORMAT, 1),
            (OFF_ROOT_CELL, 0x20),
            (OFF_BINS_SIZE, bins_size),
            (OFF_CLUSTERING_FACTOR, 1),
        ] {
            put_u32(&mut b, at, value);
        }
        write_checksum(&mut b);
        b
    }

    fn bin(offset: usize, size: usize) -> Vec<u8> {
        let mut b = vec![0u8; size];
        let header = HbinHeader {
            offset: offset as u32,
            size: size as u32,
            timestamp: 0,
        };
        b[..HBIN_HEADER_SIZE as usize].copy_from_slice(&header.encode());
        b
    }

    /// A primary with `bin_count` 4096-byte bins.
    fn primary(sequences: (u32, u32), bin_count: usize) -> Vec<u8> {
        let mut p = base_block(0, sequences, (bin_count * 4096) as u32);
        for i in 0..bin_count {
            p.extend(bin(i * 4096, 4096));
        }
        p
    }

    fn new_log(start: u32, entries: &[Vec<u8>]) -> Vec<u8> {
        let mut log = base_block(6, (start, start), 4096);
        log.truncate(LOG_HEADER_SIZE);
        for e in entries {
            log.extend_from_slice(e);
        }
        log
    }

    /// A page that is a whole new 4096-byte bin at `offset`, filled after its header.
    fn bin_page(offset: usize, fill: u8) -> Vec<u8> {
        let mut b = bin(offset, 4096);
        b[HBIN_HEADER_SIZE as usize..].fill(fill);
        b
    }

    /// An entry whose single page is `page` at bins offset `offset`.
    fn entry_with(sequence: u32, bins_size: u32, offset: u32, page: &[u8]) -> Vec<u8> {
        let mut e = entry(sequence, bins_size, &[(offset, page.len() as u32, 0)]);
        let data_at = 40 + 8;
        e[data_at..data_at + page.len()].copy_from_slice(page);
        rehash(&mut e);
        e
    }

    fn run(primary: &[u8], logs: &[(&'static str, &[u8])]) -> Replay {
        let files: Vec<LogFile<'_>> = logs
            .iter()
            .map(|&(name, bytes)| LogFile {
                path: Path::new(name),
                bytes,
            })
            .collect();
        replay(primary, &files).unwrap()
    }

    fn recovered(result: &Replay) -> &[u8] {
        result.recovered.as_deref().expect("logs were applied")
    }

    fn at_bins(image: &[u8], offset: usize) -> u8 {
        image[BASE_BLOCK_SIZE + offset]
    }

    #[test]
    fn entries_continue_across_logs_older_first() {
        let primary = primary((10, 9), 2);
        let older = new_log(
            10,
            &[
                entry_with(10, 8192, 0, &bin_page(0, 0xA0)),
                entry_with(11, 8192, 0, &bin_page(0, 0xA1)),
            ],
        );
        let mut flagged = entry_with(12, 8192, 4096, &bin_page(4096, 0xB2));
        flagged[8] = 1; // the KTM flag, restored into the base block
        rehash(&mut flagged);
        let newer = new_log(12, &[flagged]);
        let result = run(&primary, &[("LOG1", &newer), ("LOG2", &older)]);
        let r = &result.report;
        let order: Vec<_> = r
            .applied
            .iter()
            .map(|a| (a.path.clone(), a.first_sequence, a.last_sequence))
            .collect();
        assert_eq!(
            order,
            [
                ("LOG2".into(), Some(10), Some(11)),
                ("LOG1".into(), Some(12), Some(12))
            ]
        );
        let image = recovered(&result);
        assert_eq!(at_bins(image, 100), 0xA1, "later entry overwrites earlier");
        assert_eq!(at_bins(image, 4096 + 100), 0xB2);
        let bb = crate::hive::base_block::BaseBlock::parse(image).unwrap();
        assert!(bb.checksum_ok() && !bb.is_dirty());
        assert_eq!((bb.primary_sequence, r.sequence), (12, Some(12)));
        assert_eq!(bb.flags & 1, 1, "flag restored from the last entry");
        assert_eq!(r.logs_to_move_aside.len(), 2);
    }

    #[test]
    fn a_gap_between_logs_stops_recovery() {
        let primary = primary((10, 9), 1);
        let first = new_log(10, &[entry_with(10, 4096, 0, &bin_page(0, 1))]);
        let far = new_log(12, &[entry_with(12, 4096, 0, &bin_page(0, 2))]);
        let result = run(&primary, &[("LOG1", &first), ("LOG2", &far)]);
        assert_eq!(result.report.applied.len(), 1);
        assert_eq!(result.report.sequence, Some(10));
        let skipped = &result.report.skipped[0];
        assert!(
            skipped.reason.contains("do not continue"),
            "{}",
            skipped.reason
        );
        assert_eq!(at_bins(recovered(&result), 100), 1);
    }

    #[test]
    fn a_bad_hash_keeps_the_entries_before_it() {
        let primary = primary((10, 9), 1);
        let mut broken = entry_with(11, 4096, 0, &bin_page(0, 2));
        let last = broken.len() - 1;
        broken[last] ^= 1;
        let log = new_log(10, &[entry_with(10, 4096, 0, &bin_page(0, 1)), broken]);
        let result = run(&primary, &[("LOG1", &log)]);
        let applied = &result.report.applied[0];
        assert_eq!(applied.entries_applied, 1);
        assert!(applied.stopped.as_ref().unwrap().message.contains("Hash-1"));
        assert_eq!(at_bins(recovered(&result), 100), 1);
    }

    #[test]
    fn the_hive_grows_when_an_entry_says_so() {
        let primary = primary((10, 9), 1);
        let log = new_log(10, &[entry_with(10, 8192, 4096, &bin_page(4096, 7))]);
        let result = run(&primary, &[("LOG1", &log)]);
        assert_eq!(recovered(&result).len(), BASE_BLOCK_SIZE + 8192);
        assert_eq!(result.report.bins_size, 8192);
        assert_eq!(at_bins(recovered(&result), 4096 + 100), 7);
    }

    #[test]
    fn a_crafted_huge_hive_bins_size_is_refused_without_allocating() {
        let primary = primary((10, 9), 1);
        // Valid hashes, but 4 GiB of hive bins that nothing in the files can back.
        let log = new_log(10, &[entry_with(10, 0xFFFF_F000, 0, &bin_page(0, 1))]);
        let result = run(&primary, &[("LOG1", &log)]);
        let r = &result.report;
        assert!(r.applied.is_empty());
        assert!(r.data_may_be_missing);
        assert!(
            r.skipped[0].reason.contains("claims 4294963200 bytes"),
            "{}",
            r.skipped[0].reason
        );
        assert!(result.recovered.is_none());
    }

    #[test]
    fn an_invalid_primary_base_block_takes_the_latest_log_only() {
        let mut primary = primary((10, 9), 1);
        primary[OFF_CHECKSUM] ^= 1;
        let older = new_log(10, &[entry_with(10, 4096, 0, &bin_page(0, 1))]);
        let latest = new_log(11, &[entry_with(11, 4096, 0, &bin_page(0, 2))]);
        let result = run(&primary, &[("LOG1", &older), ("LOG2", &latest)]);
        let r = &result.report;
        assert_eq!(r.base_block_from.as_deref(), Some(Path::new("LOG2")));
        assert_eq!(r.applied.len(), 1);
        assert_eq!(r.applied[0].path, Path::new("LOG2"));
        assert!(r.skipped[0].reason.contains("latest"));
        let bb = crate::hive::base_block::BaseBlock::parse(recovered(&result)).unwrap();
        assert!(bb.checksum_ok());
        assert_eq!(bb.file_type, FILE_TYPE_PRIMARY);
        assert_eq!((bb.primary_sequence, bb.secondary_sequence), (11, 11));
    }

    /// An old-format log for a primary with `bins_size` bytes of bins; `pages` are
    /// (bins offset, 512 bytes) in ascending order.
    fn old_log(sequence: u32, bins_size: u32, pages: &[(usize, Vec<u8>)]) -> Vec<u8> {
        let mut log = base_block(1, (sequence, sequence), bins_size);
        log.truncate(LOG_HEADER_SIZE);
        log.extend_from_slice(b"DIRT");
        let mut bitmap = vec![0u8; bins_size as usize / 4096];
        for (offset, _) in pages {
            let bit = offset / PAGE_SIZE;
            bitmap[bit / 8] |= 1 << (bit % 8);
        }
        log.extend(bitmap);
        log.resize(log.len().div_ceil(PAGE_SIZE) * PAGE_SIZE, 0);
        for (_, page) in pages {
            log.extend_from_slice(page);
        }
        log
    }

    #[test]
    fn old_format_applies_pages_and_stops_at_a_bad_dirty_bin() {
        let primary = primary((5, 4), 2);
        let good = {
            let mut p = bin(0, 4096);
            p.truncate(PAGE_SIZE);
            p[100] = 0x11;
            p
        };
        let bad_header = vec![0x22u8; PAGE_SIZE]; // lands on the second bin's header
        let log = old_log(5, 8192, &[(0, good), (4096, bad_header)]);
        let result = run(&primary, &[("LOG", &log)]);
        let applied = &result.report.applied[0];
        assert_eq!(applied.pages_applied, 1);
        let stopped = applied.stopped.as_ref().unwrap();
        assert!(stopped.message.contains("hbin"), "{}", stopped.message);
        assert_eq!(at_bins(recovered(&result), 100), 0x11);
        assert_eq!(
            at_bins(recovered(&result), 4096),
            b'h',
            "the bad bin is not written"
        );
        let bb = crate::hive::base_block::BaseBlock::parse(recovered(&result)).unwrap();
        assert!(bb.checksum_ok() && !bb.is_dirty());
        assert_eq!(bb.primary_sequence, 5);
    }

    #[test]
    fn old_format_log_older_than_the_primary_is_skipped() {
        let mut primary = primary((5, 4), 1);
        put_u32(&mut primary, OFF_TIMESTAMP, 1000);
        write_checksum(&mut primary);
        let log = old_log(5, 4096, &[(0, vec![0; PAGE_SIZE])]);
        let result = run(&primary, &[("LOG", &log)]);
        assert!(result.report.applied.is_empty());
        assert!(
            result.report.skipped[0]
                .reason
                .contains("older than the primary")
        );
    }

    #[test]
    fn too_short_primary_is_an_error() {
        let err = replay(&[0u8; 100][..], &[]).unwrap_err();
        assert_eq!(err.offset, Some(0));
    }
}
