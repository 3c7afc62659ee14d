//! Old-format logs (up to Windows 8; regf-spec "Dirty vector", "Dirty pages"): a `DIRT` bitmap
//! with one bit per 512-byte page of hive bins, then the dirty pages in bitmap order.

use crate::error::{FormatError, found_bytes};
use crate::hive::log::header::{LOG_HEADER_SIZE, LogHeader};

pub const DIRTY_VECTOR_SIGNATURE: &[u8; 4] = b"DIRT";
pub const PAGE_SIZE: usize = 512;

/// The dirty vector of an old-format log and where its pages are.
#[derive(Debug, Clone)]
pub struct DirtyVector<'a> {
    bitmap: &'a [u8],
    /// Offset in the log of the first dirty page: the sector after the bitmap.
    pages_offset: usize,
    log: &'a [u8],
}

/// One dirty page: where it goes, relative to the hive bins, and its bytes if the log holds them.
#[derive(Debug, Clone, Copy)]
pub struct DirtyPage<'a> {
    pub bins_offset: usize,
    pub log_offset: usize,
    /// `None` when the log ends before this page (a truncated log).
    pub bytes: Option<&'a [u8]>,
}

impl<'a> DirtyVector<'a> {
    /// Locate the dirty vector after the log header; its length follows from the header's hive
    /// bins size, which [`LogHeader::validate`] has checked.
    pub fn parse(log: &'a [u8], header: &LogHeader) -> Result<Self, FormatError> {
        let signature_end = LOG_HEADER_SIZE + DIRTY_VECTOR_SIGNATURE.len();
        let signature = log.get(LOG_HEADER_SIZE..signature_end);
        if signature != Some(DIRTY_VECTOR_SIGNATURE.as_slice()) {
            return Err(FormatError::at(
                LOG_HEADER_SIZE as u64,
                format!(
                    "expected the dirty vector signature \"DIRT\", found {}",
                    found_bytes(signature)
                ),
            ));
        }
        // One bit per 512-byte page, eight pages per byte.
        let bitmap_len = header.base.bins_size as usize / (PAGE_SIZE * 8);
        let Some(bitmap) = log.get(signature_end..signature_end + bitmap_len) else {
            return Err(FormatError::at(
                signature_end as u64,
                format!(
                    "expected a {bitmap_len}-byte dirty bitmap for {} bytes of hive bins, but the log ends at {}",
                    header.base.bins_size,
                    log.len()
                ),
            ));
        };
        let pages_offset = (signature_end + bitmap_len).div_ceil(PAGE_SIZE) * PAGE_SIZE;
        Ok(Self {
            bitmap,
            pages_offset,
            log,
        })
    }

    pub fn dirty_page_count(&self) -> usize {
        self.bitmap.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// The dirty pages in bitmap (= ascending offset) order.
    pub fn dirty_pages(&self) -> impl Iterator<Item = DirtyPage<'a>> + '_ {
        let set_bits = self
            .bitmap
            .iter()
            .enumerate()
            .flat_map(|(byte_index, &byte)| {
                (0..8)
                    .filter(move |bit| byte & (1 << bit) != 0)
                    .map(move |bit| byte_index * 8 + bit)
            });
        set_bits.enumerate().map(|(i, page_index)| {
            let log_offset = self.pages_offset + i * PAGE_SIZE;
            DirtyPage {
                bins_offset: page_index * PAGE_SIZE,
                log_offset,
                bytes: self.log.get(log_offset..log_offset + PAGE_SIZE),
            }
        })
    }
}
