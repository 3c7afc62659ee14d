//! New-format log entries (`HvLE`, Windows 8.1 and later; regf-spec "Log entries"): each holds
//! the pages dirtied since the previous one, a sequence number and two Marvin32 hashes.

use serde::Serialize;

use crate::error::{FormatError, found_bytes};
use crate::hive::le::{u32_at, u64_at};
use crate::hive::log::header::LOG_HEADER_SIZE;
use crate::hive::log::marvin32::{LOG_ENTRY_SEED, marvin32};

pub const ENTRY_SIGNATURE: &[u8; 4] = b"HvLE";
/// Signature, size, flags, sequence, bins size, page count, Hash-1, Hash-2.
pub const ENTRY_HEADER_SIZE: usize = 40;
/// Entries start and end on 512-byte boundaries.
pub const ENTRY_ALIGNMENT: usize = 512;
const PAGE_REFERENCE_SIZE: usize = 8;
const OFF_SIZE: usize = 4;
const OFF_FLAGS: usize = 8;
const OFF_SEQUENCE: usize = 12;
const OFF_BINS_SIZE: usize = 16;
const OFF_PAGE_COUNT: usize = 20;
const OFF_HASH_1: usize = 24;
const OFF_HASH_2: usize = 32;
/// Hash-2 covers the header up to, and including, Hash-1.
const HASH_2_COVERS: usize = 32;

/// Where one dirty page goes: an offset relative to the hive bins and a size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageReference {
    pub offset: u32,
    pub size: u32,
}

/// One structurally valid entry whose hashes match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry<'a> {
    /// Offset of the entry in the log file.
    pub file_offset: usize,
    pub size: u32,
    /// Only bit 0 (KTM locked the hive) is meaningful.
    pub flags: u32,
    pub sequence: u32,
    /// The hive bins size after this entry is applied.
    pub bins_size: u32,
    pub pages: Vec<PageReference>,
    /// The page bytes, in the order of `pages`.
    page_data: &'a [u8],
}

impl<'a> LogEntry<'a> {
    /// Decode and check the entry at `file_offset` of `log`: signature, sizes that fit in the
    /// entry and the file, page references inside the hive bins, Hash-2 then Hash-1. Sizes are
    /// checked before anything is hashed, so a crafted size costs nothing.
    pub fn parse(log: &'a [u8], file_offset: usize) -> Result<Self, FormatError> {
        let at = |field: usize, message: String| {
            FormatError::at(file_offset.saturating_add(field) as u64, message)
        };
        let available = log.len().saturating_sub(file_offset);
        // Every field read below lies inside the header, so `short` is the only way to miss one.
        let short = || {
            at(
                0,
                format!(
                    "expected a {ENTRY_HEADER_SIZE}-byte log entry header, but only {available} bytes remain"
                ),
            )
        };
        let header = log
            .get(file_offset..)
            .and_then(|rest| rest.get(..ENTRY_HEADER_SIZE))
            .ok_or_else(short)?;
        let field = |off| u32_at(header, off).ok_or_else(short);
        if &header[..4] != ENTRY_SIGNATURE {
            return Err(at(
                0,
                format!(
                    "expected the log entry signature \"HvLE\", found {}",
                    found_bytes(header.get(..4))
                ),
            ));
        }
        let size = field(OFF_SIZE)?;
        let size_usize = size as usize;
        if size_usize < ENTRY_ALIGNMENT || size_usize % ENTRY_ALIGNMENT != 0 {
            return Err(at(
                OFF_SIZE,
                format!("expected an entry size that is a non-zero multiple of 512, found {size}"),
            ));
        }
        if size_usize > available {
            return Err(at(
                OFF_SIZE,
                format!(
                    "expected an entry that fits in the file, but it claims {size} bytes and only {available} remain"
                ),
            ));
        }
        let entry = &log[file_offset..file_offset + size_usize];
        let bins_size = field(OFF_BINS_SIZE)?;
        if bins_size == 0 || bins_size % 4096 != 0 {
            return Err(at(
                OFF_BINS_SIZE,
                format!(
                    "expected a hive bins size that is a non-zero multiple of 4096, found {bins_size}"
                ),
            ));
        }
        let page_count = field(OFF_PAGE_COUNT)?;
        let references_end = (page_count as usize)
            .checked_mul(PAGE_REFERENCE_SIZE)
            .and_then(|n| n.checked_add(ENTRY_HEADER_SIZE))
            .filter(|&end| page_count != 0 && end <= size_usize)
            .ok_or_else(|| {
                at(
                    OFF_PAGE_COUNT,
                    format!(
                        "expected 1 to {} dirty pages in a {size}-byte entry, found {page_count}",
                        (size_usize - ENTRY_HEADER_SIZE) / PAGE_REFERENCE_SIZE
                    ),
                )
            })?;
        let mut pages = Vec::with_capacity(page_count as usize);
        let mut data_size: usize = 0;
        for (i, reference) in entry[ENTRY_HEADER_SIZE..references_end]
            .chunks_exact(PAGE_REFERENCE_SIZE)
            .enumerate()
        {
            let page = PageReference {
                offset: u32_at(reference, 0).ok_or_else(short)?,
                size: u32_at(reference, 4).ok_or_else(short)?,
            };
            let field = ENTRY_HEADER_SIZE + i * PAGE_REFERENCE_SIZE;
            if page.size == 0 || page.offset % 512 != 0 || page.size % 512 != 0 {
                return Err(at(
                    field,
                    format!(
                        "expected dirty page {i} at a 512-byte boundary with a non-zero size that is a multiple of 512, found offset {:#x} size {}",
                        page.offset, page.size
                    ),
                ));
            }
            if u64::from(page.offset) + u64::from(page.size) > u64::from(bins_size) {
                return Err(at(
                    field,
                    format!(
                        "expected dirty page {i} inside the {bins_size} bytes of hive bins, found offset {:#x} size {}",
                        page.offset, page.size
                    ),
                ));
            }
            data_size = data_size.saturating_add(page.size as usize);
            pages.push(page);
        }
        let Some(page_data) = entry[references_end..].get(..data_size) else {
            return Err(at(
                OFF_PAGE_COUNT,
                format!(
                    "expected {data_size} bytes of dirty pages after the page references, but the {size}-byte entry holds only {}",
                    size_usize - references_end
                ),
            ));
        };
        let stored_hash_2 = u64_at(header, OFF_HASH_2).ok_or_else(short)?;
        let hash_2 = marvin32(&header[..HASH_2_COVERS], LOG_ENTRY_SEED);
        if stored_hash_2 != hash_2 {
            return Err(at(
                OFF_HASH_2,
                format!(
                    "expected Hash-2 {hash_2:#018x} (Marvin32 of the first 32 bytes), found {stored_hash_2:#018x}"
                ),
            ));
        }
        let stored_hash_1 = u64_at(header, OFF_HASH_1).ok_or_else(short)?;
        let hash_1 = marvin32(&entry[ENTRY_HEADER_SIZE..], LOG_ENTRY_SEED);
        if stored_hash_1 != hash_1 {
            return Err(at(
                OFF_HASH_1,
                format!(
                    "expected Hash-1 {hash_1:#018x} (Marvin32 of the entry after its header), found {stored_hash_1:#018x}"
                ),
            ));
        }
        Ok(Self {
            file_offset,
            size,
            flags: field(OFF_FLAGS)?,
            sequence: field(OFF_SEQUENCE)?,
            bins_size,
            pages,
            page_data,
        })
    }

    /// Each page reference with its bytes.
    pub fn dirty_pages(&self) -> impl Iterator<Item = (PageReference, &'a [u8])> + '_ {
        let mut rest = self.page_data;
        self.pages.iter().map(move |&page| {
            // `parse` checked that the data holds the sum of all page sizes.
            let (bytes, tail) = rest.split_at(page.size as usize);
            rest = tail;
            (page, bytes)
        })
    }

    pub fn dirty_bytes(&self) -> usize {
        self.page_data.len()
    }
}

/// The run of entries a log holds, from the first one on: each valid and numbered one more than
/// the previous, the first numbered like the log's base block.
#[derive(Debug, Clone)]
pub struct EntryScan<'a> {
    pub entries: Vec<LogEntry<'a>>,
    /// Why the run ended before the end of the file: an invalid entry, or a valid one out of
    /// sequence (left over from earlier writes). `None` when the entries fill the file.
    pub stop: Option<FormatError>,
}

/// Read the entries of a new-format log whose base block carries `first_sequence`.
pub fn scan_entries(log: &[u8], first_sequence: u32) -> EntryScan<'_> {
    let mut entries: Vec<LogEntry<'_>> = Vec::new();
    let mut offset = LOG_HEADER_SIZE;
    let mut expected = first_sequence;
    let stop = loop {
        if offset >= log.len() {
            break None;
        }
        let entry = match LogEntry::parse(log, offset) {
            Ok(entry) => entry,
            Err(e) => break Some(e),
        };
        if entry.sequence != expected {
            break Some(FormatError::at(
                (offset + OFF_SEQUENCE) as u64,
                format!(
                    "expected log entry sequence number {expected}, found {} ({})",
                    entry.sequence,
                    if sequence_precedes(entry.sequence, expected) {
                        "an older entry left from earlier writes"
                    } else {
                        "a gap: entries are missing"
                    }
                ),
            ));
        }
        offset += entry.size as usize;
        expected = expected.wrapping_add(1);
        entries.push(entry);
    };
    EntryScan { entries, stop }
}

/// Whether sequence number `a` comes before `b`, allowing for wrap-around at 2^32.
pub fn sequence_precedes(a: u32, b: u32) -> bool {
    (b.wrapping_sub(a) as i32) > 0
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A dirty page of a test entry: (offset, size, fill byte).
    type Page = (u32, u32, u8);

    /// Build a valid entry of `pages`.
    pub(crate) fn entry(sequence: u32, bins_size: u32, pages: &[Page]) -> Vec<u8> {
        let mut e = vec![0u8; ENTRY_HEADER_SIZE];
        e[..4].copy_from_slice(ENTRY_SIGNATURE);
        e[OFF_SEQUENCE..OFF_SEQUENCE + 4].copy_from_slice(&sequence.to_le_bytes());
        e[OFF_BINS_SIZE..OFF_BINS_SIZE + 4].copy_from_slice(&bins_size.to_le_bytes());
        e[OFF_PAGE_COUNT..OFF_PAGE_COUNT + 4].copy_from_slice(&(pages.len() as u32).to_le_bytes());
        for &(offset, size, _) in pages {
            e.extend_from_slice(&offset.to_le_bytes());
            e.extend_from_slice(&size.to_le_bytes());
        }
        for &(_, size, fill) in pages {
            e.extend(std::iter::repeat_n(fill, size as usize));
        }
        e.resize(e.len().div_ceil(ENTRY_ALIGNMENT) * ENTRY_ALIGNMENT, 0);
        let size = e.len() as u32;
        e[OFF_SIZE..OFF_SIZE + 4].copy_from_slice(&size.to_le_bytes());
        rehash(&mut e);
        e
    }

    /// Recompute both hashes after a test changed an entry.
    pub(crate) fn rehash(e: &mut [u8]) {
        let h1 = marvin32(&e[ENTRY_HEADER_SIZE..], LOG_ENTRY_SEED);
        e[OFF_HASH_1..OFF_HASH_1 + 8].copy_from_slice(&h1.to_le_bytes());
        let h2 = marvin32(&e[..HASH_2_COVERS], LOG_ENTRY_SEED);
        e[OFF_HASH_2..OFF_HASH_2 + 8].copy_from_slice(&h2.to_le_bytes());
    }

    fn log_with(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut log = vec![0u8; LOG_HEADER_SIZE];
        for e in entries {
            log.extend_from_slice(e);
        }
        log
    }

    /// A log of entries (sequence, pages) over 8192 bytes of bins.
    fn log_of(entries: &[(u32, &[Page])]) -> Vec<u8> {
        let entries: Vec<Vec<u8>> = entries
            .iter()
            .map(|&(sequence, pages)| entry(sequence, 8192, pages))
            .collect();
        log_with(&entries)
    }

    /// Why the one-entry log whose header has `value` at `field` (hashes updated) is refused.
    fn refusal_with(field: usize, value: u32) -> FormatError {
        let mut e = entry(7, 8192, &[(0, 512, 1)]);
        e[field..field + 4].copy_from_slice(&value.to_le_bytes());
        rehash(&mut e);
        LogEntry::parse(&log_with(&[e]), LOG_HEADER_SIZE).unwrap_err()
    }

    #[test]
    fn valid_entries_are_read_in_sequence() {
        let log = log_of(&[(7, &[(0, 4096, 1)]), (8, &[(4096, 512, 2)])]);
        let scan = scan_entries(&log, 7);
        assert_eq!(scan.entries.len(), 2);
        assert!(scan.stop.is_none());
        let pages: Vec<_> = scan.entries[1].dirty_pages().collect();
        assert_eq!(pages.len(), 1);
        assert_eq!(
            pages[0].0,
            PageReference {
                offset: 4096,
                size: 512
            }
        );
        assert!(pages[0].1.iter().all(|&b| b == 2));
    }

    #[test]
    fn bad_hash_1_stops_with_offset() {
        let second = {
            let mut e = entry(8, 8192, &[(0, 512, 2)]);
            let last = e.len() - 1;
            e[last] ^= 0xff; // page data changed after hashing
            e
        };
        let first = entry(7, 8192, &[(0, 512, 1)]);
        let first_len = first.len();
        let log = log_with(&[first, second]);
        let scan = scan_entries(&log, 7);
        assert_eq!(scan.entries.len(), 1);
        let stop = scan.stop.unwrap();
        assert_eq!(
            stop.offset,
            Some((LOG_HEADER_SIZE + first_len + OFF_HASH_1) as u64)
        );
        assert!(stop.message.contains("Hash-1"), "{}", stop.message);
    }

    #[test]
    fn bad_hash_2_stops() {
        let mut e = entry(7, 8192, &[(0, 512, 1)]);
        e[OFF_FLAGS] = 1; // header changed after hashing
        let log = log_with(&[e]);
        let scan = scan_entries(&log, 7);
        assert!(scan.entries.is_empty());
        assert!(scan.stop.unwrap().message.contains("Hash-2"));
    }

    #[test]
    fn sequence_gap_stops_after_the_last_good_entry() {
        let log = log_of(&[(7, &[(0, 512, 1)]), (9, &[(0, 512, 2)])]);
        let scan = scan_entries(&log, 7);
        assert_eq!(scan.entries.len(), 1);
        assert!(scan.stop.unwrap().message.contains("gap"));
    }

    #[test]
    fn huge_sizes_are_refused_before_hashing() {
        // A valid-looking entry whose size claims 4 GiB - 512.
        let err = refusal_with(OFF_SIZE, 0xFFFF_FE00);
        assert_eq!(err.offset, Some((LOG_HEADER_SIZE + OFF_SIZE) as u64));
        assert!(err.message.contains("fits in the file"), "{}", err.message);

        // A page reference past the hive bins it claims.
        let err = refusal_with(ENTRY_HEADER_SIZE + 4, 0xFFFF_F000);
        assert!(
            err.message.contains("inside the 8192 bytes"),
            "{}",
            err.message
        );

        // A page count whose references cannot fit in the entry.
        let err = refusal_with(OFF_PAGE_COUNT, u32::MAX);
        assert_eq!(err.offset, Some((LOG_HEADER_SIZE + OFF_PAGE_COUNT) as u64));
    }

    #[test]
    fn bins_size_not_a_multiple_of_4096_is_refused() {
        let err = refusal_with(OFF_BINS_SIZE, 8000);
        assert_eq!(err.offset, Some((LOG_HEADER_SIZE + OFF_BINS_SIZE) as u64));
    }

    #[test]
    fn sequence_order_wraps() {
        assert!(sequence_precedes(1, 2));
        assert!(sequence_precedes(u32::MAX, 0));
        assert!(!sequence_precedes(2, 2));
        assert!(!sequence_precedes(3, 2));
    }
}
