//! Where cells start and which ones a structure already uses: two bitmaps over the hive bins
//! (one bit per 8-byte slot), so every reference is checked in constant time and memory stays
//! bounded by the hive's size whatever the references do.

use crate::hive::cell::{CELL_ALIGNMENT, CELL_HEADER_SIZE, NO_CELL};

pub(super) struct CellMap<'h> {
    /// The hive bins, from the first bin to the declared size.
    bins: &'h [u8],
    /// Bit set: a cell (allocated or free) starts at this 8-byte slot.
    starts: Vec<u64>,
    /// Bit set: a structure of the tree already uses the cell starting here.
    claimed: Vec<u64>,
}

pub(super) use crate::hive::cell::{data_offset, file_offset};

fn slot(offset: u32) -> (usize, u64) {
    let slot = (offset / CELL_ALIGNMENT) as usize;
    (slot / 64, 1u64 << (slot % 64))
}

impl<'h> CellMap<'h> {
    pub fn new(bins: &'h [u8]) -> Self {
        let words = (bins.len() / CELL_ALIGNMENT as usize).div_ceil(64);
        Self {
            bins,
            starts: vec![0; words],
            claimed: vec![0; words],
        }
    }

    pub fn bins(&self) -> &'h [u8] {
        self.bins
    }

    /// Record that a cell starts at `offset` (a multiple of 8 inside the bins).
    pub fn mark_start(&mut self, offset: u32) {
        let (word, bit) = slot(offset);
        if let Some(w) = self.starts.get_mut(word) {
            *w |= bit;
        }
    }

    fn is_start(&self, offset: u32) -> bool {
        let (word, bit) = slot(offset);
        offset % CELL_ALIGNMENT == 0 && self.starts.get(word).is_some_and(|w| w & bit != 0)
    }

    /// The data of the allocated cell starting at `offset`, or what is wrong with the offset.
    pub fn data(&self, offset: u32) -> Result<&'h [u8], String> {
        if offset == NO_CELL {
            return Err("expected a cell offset, found none (0xffffffff)".to_string());
        }
        if offset as usize >= self.bins.len() {
            return Err(format!(
                "expected a cell offset inside the {} bytes of hive bins, found {offset:#x}",
                self.bins.len()
            ));
        }
        if !self.is_start(offset) {
            return Err(format!(
                "expected the start of a cell at {offset:#x} (file offset {:#x}), found the \
                 middle of a cell or a damaged region",
                file_offset(offset)
            ));
        }
        // `mark_start` is only called for cells whose size field was read and fits its bin.
        let at = offset as usize;
        let raw = crate::hive::le::u32_at(self.bins, at).unwrap_or_default() as i32;
        if raw >= 0 {
            return Err(format!(
                "expected an allocated cell at {offset:#x} (file offset {:#x}), found a free one",
                file_offset(offset)
            ));
        }
        let end = at.saturating_add(raw.unsigned_abs() as usize);
        Ok(self
            .bins
            .get(at + CELL_HEADER_SIZE as usize..end)
            .unwrap_or_default())
    }

    /// Load the first byte of each cell of `offsets` (bins offsets; those outside are skipped),
    /// all before any is needed: the loads do not depend on each other, so the processor waits
    /// for their cache misses together instead of one after the other as the checks reach them.
    pub fn touch(&self, offsets: impl IntoIterator<Item = u32>) {
        let mut any = 0u8;
        for offset in offsets {
            any ^= self.bins.get(offset as usize).copied().unwrap_or_default();
        }
        std::hint::black_box(any);
    }

    /// Mark the cell at `offset` used; `false` when it already was.
    pub fn claim(&mut self, offset: u32) -> bool {
        let (word, bit) = slot(offset);
        match self.claimed.get_mut(word) {
            Some(w) if *w & bit != 0 => false,
            Some(w) => {
                *w |= bit;
                true
            }
            None => true,
        }
    }
}
