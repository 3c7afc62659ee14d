//! The cells of the hive being edited: one owned image (base block + bins), an index of where cells
//! start and which are free, allocation (smallest free cell that fits, else a new bin at the end)
//! and freeing (coalesced with free neighbours in the same bin).

use std::collections::{BTreeMap, BTreeSet};

use crate::error::FormatError;
use crate::hive::base_block::BASE_BLOCK_SIZE;
use crate::hive::cell::{CELL_ALIGNMENT, CELL_HEADER_SIZE, CellHeader, cell_size_for};
use crate::hive::editor::EditError;
use crate::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader, PAGE_SIZE};

/// Largest hive bins data the editor produces: offsets are 32-bit and 0xFFFFFFFF means "none".
const MAX_BINS_SIZE: u32 = 0x7FFF_F000;

pub(super) struct CellHeap {
    /// Base block followed by the hive bins, nothing after.
    image: Vec<u8>,
    /// Bit `n` is set when a cell starts at bins offset `8 * n`: every offset a record follows must
    /// land on one.
    starts: Vec<u64>,
    free_by_offset: BTreeMap<u32, u32>,
    /// (size, offset) of every free cell, for finding the smallest that fits.
    free_by_size: BTreeSet<(u32, u32)>,
}

pub(super) use crate::hive::cell::file_offset;

impl CellHeap {
    /// Index the cells of `image` (base block + exactly the bins it declares) with one pass over
    /// the bins, checking that bins are contiguous and cells fill them.
    pub(super) fn new(image: Vec<u8>) -> Result<Self, FormatError> {
        let bins_len = u32::try_from(image.len().saturating_sub(BASE_BLOCK_SIZE))
            .ok()
            .filter(|&len| len <= MAX_BINS_SIZE)
            .ok_or_else(|| FormatError::new("the hive bins are larger than 2 GiB"))?;
        let mut heap = Self {
            image,
            starts: vec![0; bitmap_words(bins_len)],
            free_by_offset: BTreeMap::new(),
            free_by_size: BTreeSet::new(),
        };
        let mut bin = 0u32;
        while bin < bins_len {
            let header = HbinHeader::parse(
                heap.bins().get(bin as usize..).unwrap_or(&[]),
                file_offset(bin),
            )?;
            if header.offset != bin {
                return Err(FormatError::at(
                    file_offset(bin) + 4,
                    format!(
                        "expected the hive bin offset field {bin:#x}, found {:#x}",
                        header.offset
                    ),
                ));
            }
            let end = bin
                .checked_add(header.size)
                .filter(|&end| end <= bins_len)
                .ok_or_else(|| {
                    FormatError::at(
                        file_offset(bin) + 8,
                        format!(
                            "the hive bin of {} bytes runs past the end of the hive bins",
                            header.size
                        ),
                    )
                })?;
            heap.index_cells(bin + HBIN_HEADER_SIZE, end)?;
            bin = end;
        }
        Ok(heap)
    }

    /// Index the cells from `start` to `end` (one bin's cell area).
    fn index_cells(&mut self, start: u32, end: u32) -> Result<(), FormatError> {
        let mut cell = start;
        while cell < end {
            let header = CellHeader::parse(self.bins(), cell as usize, file_offset(cell))?;
            let cell_end = cell
                .checked_add(header.size)
                .filter(|&e| e <= end)
                .ok_or_else(|| {
                    FormatError::at(
                        file_offset(cell),
                        format!(
                            "the cell of {} bytes runs past the end of its hive bin at {:#x}",
                            header.size,
                            file_offset(end)
                        ),
                    )
                })?;
            self.set_start(cell, true);
            if !header.allocated {
                self.insert_free(cell, header.size);
            }
            cell = cell_end;
        }
        Ok(())
    }

    pub(super) fn bins(&self) -> &[u8] {
        self.image.get(BASE_BLOCK_SIZE..).unwrap_or(&[])
    }

    fn bins_mut(&mut self) -> &mut [u8] {
        self.image.get_mut(BASE_BLOCK_SIZE..).unwrap_or(&mut [])
    }

    pub(super) fn bins_len(&self) -> u32 {
        // Bounded by MAX_BINS_SIZE at construction and when growing.
        self.bins().len() as u32
    }

    pub(super) fn base_block_mut(&mut self) -> &mut [u8] {
        &mut self.image[..BASE_BLOCK_SIZE]
    }

    pub(super) fn into_image(self) -> Vec<u8> {
        self.image
    }

    fn is_start(&self, offset: u32) -> bool {
        offset % CELL_ALIGNMENT == 0
            && self
                .starts
                .get((offset / 64 / CELL_ALIGNMENT) as usize)
                .is_some_and(|w| w & (1 << (offset / CELL_ALIGNMENT % 64)) != 0)
    }

    fn set_start(&mut self, offset: u32, on: bool) {
        if let Some(w) = self.starts.get_mut((offset / 64 / CELL_ALIGNMENT) as usize) {
            let bit = 1u64 << (offset / CELL_ALIGNMENT % 64);
            if on {
                *w |= bit;
            } else {
                *w &= !bit;
            }
        }
    }

    fn insert_free(&mut self, offset: u32, size: u32) {
        self.free_by_offset.insert(offset, size);
        self.free_by_size.insert((size, offset));
    }

    fn remove_free(&mut self, offset: u32, size: u32) {
        self.free_by_offset.remove(&offset);
        self.free_by_size.remove(&(size, offset));
    }

    /// The size field of the allocated cell at `offset`, after checking that a cell starts there.
    fn allocated_header(&self, offset: u32) -> Result<CellHeader, FormatError> {
        if !self.is_start(offset) {
            return Err(FormatError::at(
                file_offset(offset),
                format!("expected an offset that points to the start of a cell, found {offset:#x}"),
            ));
        }
        let header = CellHeader::parse(self.bins(), offset as usize, file_offset(offset))?;
        if !header.allocated {
            return Err(FormatError::at(
                file_offset(offset),
                "expected an allocated cell, found a free one",
            ));
        }
        Ok(header)
    }

    /// The data of the allocated cell at `offset` (padding included).
    pub(super) fn data(&self, offset: u32) -> Result<&[u8], FormatError> {
        let range = self.data_range(offset)?;
        self.bins().get(range).ok_or_else(|| past_end(offset))
    }

    pub(super) fn data_mut(&mut self, offset: u32) -> Result<&mut [u8], FormatError> {
        let range = self.data_range(offset)?;
        self.bins_mut()
            .get_mut(range)
            .ok_or_else(|| past_end(offset))
    }

    fn data_range(&self, offset: u32) -> Result<std::ops::Range<usize>, FormatError> {
        let header = self.allocated_header(offset)?;
        let end = offset
            .checked_add(header.size)
            .ok_or_else(|| past_end(offset))?;
        Ok((offset + CELL_HEADER_SIZE) as usize..end as usize)
    }

    /// Allocate a cell holding `data` and return its offset.
    pub(super) fn alloc(&mut self, data: &[u8]) -> Result<u32, EditError> {
        let size = cell_size_for(data.len()).ok_or_else(|| {
            EditError::Limit(format!("a cell of {} bytes is too large", data.len()))
        })?;
        let offset = match self.free_by_size.range((size, 0)..).next().copied() {
            Some((free_size, offset)) => {
                self.remove_free(offset, free_size);
                if free_size - size >= CELL_ALIGNMENT {
                    self.add_free_cell(offset + size, free_size - size);
                    self.write_cell(offset, size, data);
                } else {
                    self.write_cell(offset, free_size, data);
                }
                offset
            }
            None => self.append_bin(size, data)?,
        };
        Ok(offset)
    }

    /// Store an allocated cell of `size` bytes at `offset` holding `data`, zero padded.
    fn write_cell(&mut self, offset: u32, size: u32, data: &[u8]) {
        let bins = self.bins_mut();
        CellHeader {
            size,
            allocated: true,
        }
        .write(bins, offset as usize);
        let start = (offset + CELL_HEADER_SIZE) as usize;
        let cell = &mut bins[start..(offset + size) as usize];
        cell[..data.len()].copy_from_slice(data);
        cell[data.len()..].fill(0);
    }

    /// Append a bin of whole pages big enough for a cell of `size` bytes holding `data`; the rest of
    /// the bin becomes one free cell.
    fn append_bin(&mut self, size: u32, data: &[u8]) -> Result<u32, EditError> {
        let bin = self.bins_len();
        let bin_size = size
            .checked_add(HBIN_HEADER_SIZE)
            .and_then(|s| s.checked_next_multiple_of(PAGE_SIZE))
            .filter(|s| bin.checked_add(*s).is_some_and(|end| end <= MAX_BINS_SIZE))
            .ok_or_else(|| EditError::Limit("the hive would grow past 2 GiB".to_string()))?;
        let end = bin + bin_size;
        // Grow in steps of an eighth of the image so that repeated appends do not copy it often.
        let extra = bin_size as usize;
        if self.image.capacity() - self.image.len() < extra {
            self.image.reserve_exact(extra.max(self.image.len() / 8));
        }
        self.image.resize(self.image.len() + extra, 0);
        self.starts.resize(bitmap_words(end), 0);
        let header = HbinHeader {
            offset: bin,
            size: bin_size,
            timestamp: 0,
        };
        self.bins_mut()[bin as usize..(bin + HBIN_HEADER_SIZE) as usize]
            .copy_from_slice(&header.encode());
        let cell = bin + HBIN_HEADER_SIZE;
        self.set_start(cell, true);
        self.write_cell(cell, size, data);
        let rest = cell + size;
        if rest < end {
            self.add_free_cell(rest, end - rest);
        }
        Ok(cell)
    }

    /// Make a new free cell of `size` bytes at `offset`: the unused tail of a split or new bin.
    fn add_free_cell(&mut self, offset: u32, size: u32) {
        CellHeader {
            size,
            allocated: false,
        }
        .write(self.bins_mut(), offset as usize);
        self.set_start(offset, true);
        self.insert_free(offset, size);
    }

    /// Mark the allocated cell at `offset` free, merged with free cells right before and after it.
    /// Its bytes stay as they were, like Windows leaves them.
    pub(super) fn free(&mut self, offset: u32) -> Result<(), FormatError> {
        let header = self.allocated_header(offset)?;
        let mut start = offset;
        let mut size = header.size;
        // A cell never starts at a bin boundary (the bin header is there), so a free cell that
        // ends where this one starts, or starts where it ends, is in the same bin.
        let next = offset + size;
        if let Some(&next_size) = self.free_by_offset.get(&next) {
            self.remove_free(next, next_size);
            self.set_start(next, false);
            size += next_size;
        }
        if let Some((&prev, &prev_size)) = self.free_by_offset.range(..offset).next_back() {
            if prev + prev_size == offset {
                self.remove_free(prev, prev_size);
                self.set_start(offset, false);
                start = prev;
                size += prev_size;
            }
        }
        CellHeader {
            size,
            allocated: false,
        }
        .write(self.bins_mut(), start as usize);
        self.insert_free(start, size);
        Ok(())
    }

    /// Store `data` in the cell at `offset` if it fits there, else in a new cell (freeing the old
    /// one); returns where the data now is. In place, the bytes past `data` stay as they were, so
    /// an unchanged record changes no byte.
    pub(super) fn replace(&mut self, offset: u32, data: &[u8]) -> Result<u32, EditError> {
        let cell = self.data_mut(offset)?;
        if let Some(target) = cell.get_mut(..data.len()) {
            target.copy_from_slice(data);
            return Ok(offset);
        }
        let new = self.alloc(data)?;
        self.free(offset)?;
        Ok(new)
    }

    #[cfg(test)]
    pub(super) fn free_cells(&self) -> Vec<(u32, u32)> {
        self.free_by_offset.iter().map(|(&o, &s)| (o, s)).collect()
    }

    /// Panics unless the index matches a fresh scan of the image: cells tile the bins, and the
    /// start bitmap and free cells are what the bytes say.
    #[cfg(test)]
    pub(super) fn assert_consistent(&self) {
        let fresh = CellHeap::new(self.image.clone()).expect("the image scans cleanly");
        assert!(
            fresh.starts == self.starts,
            "cell starts differ from a fresh scan"
        );
        assert_eq!(fresh.free_by_offset, self.free_by_offset);
        assert_eq!(fresh.free_by_size, self.free_by_size);
    }

    /// (offset, size) of every allocated cell, found through the cell-start bitmap.
    #[cfg(test)]
    pub(super) fn allocated_cells(&self) -> Vec<(u32, u32)> {
        (0..self.bins_len())
            .step_by(CELL_ALIGNMENT as usize)
            .filter(|&offset| self.is_start(offset))
            .filter_map(|offset| {
                let header = CellHeader::parse(self.bins(), offset as usize, 0).ok()?;
                header.allocated.then_some((offset, header.size))
            })
            .collect()
    }
}

fn past_end(offset: u32) -> FormatError {
    FormatError::at(
        file_offset(offset),
        "the cell runs past the end of the hive bins",
    )
}

/// Words of the cell-start bitmap for `bins_len` bytes of bins.
fn bitmap_words(bins_len: u32) -> usize {
    (bins_len / CELL_ALIGNMENT).div_ceil(64) as usize
}
