//! The cells of a damaged input, read without trusting it: the bins that have a valid header,
//! where cells start in each (as far as their sizes tile the bin), and a check of every offset a
//! record follows before its cell is read. Nothing here fails for the whole hive: an offset that
//! leads nowhere readable is an error for that one reference.

use crate::error::FormatError;
use crate::hive::cell::{CELL_ALIGNMENT, CELL_HEADER_SIZE, CellHeader};
use crate::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader, PAGE_SIZE};

/// One bin with a valid header.
struct Bin {
    start: u32,
    end: u32,
    /// Cells tile the bin from its header up to here; past it a size field was broken, so cell
    /// starts there are taken on the word of their own size field.
    tiled_until: u32,
}

/// A bitmap over the hive bins, one bit per 8-byte unit.
pub(super) struct CellBits(Vec<u64>);

impl CellBits {
    pub(super) fn new(bins_len: u32) -> Self {
        Self(vec![0; (bins_len / CELL_ALIGNMENT).div_ceil(64) as usize])
    }

    fn word_bit(offset: u32) -> (usize, u64) {
        let unit = offset / CELL_ALIGNMENT;
        ((unit / 64) as usize, 1 << (unit % 64))
    }

    pub(super) fn contains(&self, offset: u32) -> bool {
        let (word, bit) = Self::word_bit(offset);
        self.0.get(word).is_some_and(|w| w & bit != 0)
    }

    /// Set the bit of `offset`; `false` when it was already set.
    pub(super) fn insert(&mut self, offset: u32) -> bool {
        let (word, bit) = Self::word_bit(offset);
        match self.0.get_mut(word) {
            Some(w) if *w & bit == 0 => {
                *w |= bit;
                true
            }
            _ => false,
        }
    }
}

pub(super) struct InputCells<'a> {
    /// The hive bins data as far as both the base block and the file reach.
    bins: &'a [u8],
    valid_bins: Vec<Bin>,
    starts: CellBits,
}

pub(super) use crate::hive::cell::file_offset;

impl<'a> InputCells<'a> {
    /// Index the bins of `bins` (the hive bins data): every page that starts a valid bin header
    /// (signature, its own offset, a size in pages that fits) begins a bin; other pages are
    /// skipped one at a time until the next valid header.
    pub(super) fn new(bins: &'a [u8]) -> Self {
        let bins_len = u32::try_from(bins.len()).unwrap_or(u32::MAX) / PAGE_SIZE * PAGE_SIZE;
        let bins = &bins[..bins_len as usize];
        let mut cells = Self {
            bins,
            valid_bins: Vec::new(),
            starts: CellBits::new(bins_len),
        };
        let mut at = 0u32;
        while at < bins_len {
            let header = HbinHeader::parse(&bins[at as usize..], file_offset(at))
                .ok()
                .filter(|h| h.offset == at)
                .and_then(|h| at.checked_add(h.size).filter(|&end| end <= bins_len));
            match header {
                Some(end) => {
                    let tiled_until = cells.tile(at + HBIN_HEADER_SIZE, end);
                    cells.valid_bins.push(Bin {
                        start: at,
                        end,
                        tiled_until,
                    });
                    at = end;
                }
                None => at += PAGE_SIZE,
            }
        }
        cells
    }

    /// Mark the cell starts from `start` while the sizes tile the bin up to `end`; returns where
    /// tiling stopped.
    fn tile(&mut self, start: u32, end: u32) -> u32 {
        let mut cell = start;
        while cell < end {
            let next = CellHeader::parse(self.bins, cell as usize, 0)
                .ok()
                .and_then(|h| cell.checked_add(h.size))
                .filter(|&next| next <= end);
            let Some(next) = next else {
                return cell;
            };
            self.starts.insert(cell);
            cell = next;
        }
        end
    }

    pub(super) fn bins_len(&self) -> u32 {
        self.bins.len() as u32
    }

    /// The data of the allocated cell at `offset`, after checking that a valid bin holds it,
    /// that a cell starts there and that it is allocated and ends inside its bin.
    pub(super) fn data(&self, offset: u32) -> Result<&'a [u8], FormatError> {
        let at = file_offset(offset);
        if offset % CELL_ALIGNMENT != 0 || offset >= self.bins_len() {
            return Err(FormatError::at(
                at,
                format!("expected the offset of a cell inside the hive bins, found {offset:#x}"),
            ));
        }
        let index = self.valid_bins.partition_point(|b| b.end <= offset);
        let bin = self
            .valid_bins
            .get(index)
            .filter(|b| b.start <= offset)
            .ok_or_else(|| {
                let page = offset / PAGE_SIZE * PAGE_SIZE;
                FormatError::at(
                    at,
                    format!(
                        "the cell lies in no readable hive bin (no valid bin header covers \
                         the page at file offset {:#x})",
                        file_offset(page)
                    ),
                )
            })?;
        if offset < bin.start + HBIN_HEADER_SIZE
            || (offset < bin.tiled_until && !self.starts.contains(offset))
        {
            return Err(FormatError::at(
                at,
                "expected the start of a cell, found the middle of one",
            ));
        }
        let header = CellHeader::parse(self.bins, offset as usize, at)?;
        if !header.allocated {
            return Err(FormatError::at(
                at,
                "expected an allocated cell, found a free one",
            ));
        }
        let end = offset
            .checked_add(header.size)
            .filter(|&end| end <= bin.end)
            .ok_or_else(|| {
                FormatError::at(
                    at,
                    format!(
                        "the cell of {} bytes runs past the end of its hive bin",
                        header.size
                    ),
                )
            })?;
        Ok(&self.bins[(offset + CELL_HEADER_SIZE) as usize..end as usize])
    }
}
