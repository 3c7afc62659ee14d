//! The cell: a signed 4-byte size (negative = allocated, positive = free, always a multiple of 8,
//! the size field included) followed by the cell data (regf-spec "Cell").

use crate::error::FormatError;
use crate::hive::le::{put_u32, u32_at};

/// Bytes of the size field in front of every cell.
pub const CELL_HEADER_SIZE: u32 = 4;
/// Cells of hive versions 1.2 and later are aligned to 8 bytes.
pub const CELL_ALIGNMENT: u32 = 8;
/// The offset value that points nowhere.
pub const NO_CELL: u32 = u32::MAX;

/// File offset of the bins offset `offset` (cell offsets count from the first bin), for
/// messages.
pub fn file_offset(offset: u32) -> u64 {
    crate::hive::base_block::BASE_BLOCK_SIZE as u64 + u64::from(offset)
}

/// File offset of the data of the cell at bins offset `offset`, past its size field.
pub fn data_offset(offset: u32) -> u64 {
    file_offset(offset) + u64::from(CELL_HEADER_SIZE)
}

/// The decoded size field of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellHeader {
    /// Size of the whole cell in bytes, the size field included.
    pub size: u32,
    pub allocated: bool,
}

impl CellHeader {
    /// Decode the size field at `at` in `bytes`; `file_offset` locates `at` for messages.
    pub fn parse(bytes: &[u8], at: usize, file_offset: u64) -> Result<Self, FormatError> {
        let raw = u32_at(bytes, at).ok_or_else(|| {
            FormatError::at(
                file_offset,
                "expected a 4-byte cell size, found the end of the bin",
            )
        })? as i32;
        let size = raw.unsigned_abs();
        if size < CELL_ALIGNMENT || size % CELL_ALIGNMENT != 0 {
            return Err(FormatError::at(
                file_offset,
                format!("expected a cell size that is a non-zero multiple of 8, found {raw}"),
            ));
        }
        Ok(Self {
            size,
            allocated: raw < 0,
        })
    }

    /// Store the size field at `at`.
    pub fn write(&self, bytes: &mut [u8], at: usize) {
        let raw = if self.allocated {
            (self.size as i32).wrapping_neg() as u32
        } else {
            self.size
        };
        put_u32(bytes, at, raw);
    }
}

/// The size of a cell that holds `data_len` bytes of data, or `None` past the format's limit.
pub fn cell_size_for(data_len: usize) -> Option<u32> {
    let with_header = u32::try_from(data_len)
        .ok()?
        .checked_add(CELL_HEADER_SIZE)?
        .checked_next_multiple_of(CELL_ALIGNMENT)?;
    // The size is stored as a negative i32 when allocated.
    (with_header <= i32::MAX as u32).then_some(with_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocated_and_free_sizes_round_trip() {
        let mut b = [0u8; 8];
        for header in [
            CellHeader {
                size: 0x58,
                allocated: true,
            },
            CellHeader {
                size: 0x1000,
                allocated: false,
            },
        ] {
            header.write(&mut b, 4);
            assert_eq!(CellHeader::parse(&b, 4, 0).unwrap(), header);
        }
        assert_eq!(&b[4..], &0x1000u32.to_le_bytes());
        CellHeader {
            size: 0x58,
            allocated: true,
        }
        .write(&mut b, 0);
        assert_eq!(&b[..4], &(-0x58i32).to_le_bytes());
    }

    #[test]
    fn misaligned_zero_and_truncated_sizes_are_refused() {
        assert!(CellHeader::parse(&(-12i32).to_le_bytes(), 0, 0).is_err());
        assert!(CellHeader::parse(&0u32.to_le_bytes(), 0, 0).is_err());
        let err = CellHeader::parse(&[0, 0], 0, 0x1234).unwrap_err();
        assert_eq!(err.offset, Some(0x1234));
    }

    #[test]
    fn cell_sizes_include_the_header_and_alignment() {
        assert_eq!(cell_size_for(0), Some(8));
        assert_eq!(cell_size_for(4), Some(8));
        assert_eq!(cell_size_for(5), Some(16));
        assert_eq!(cell_size_for(usize::MAX), None);
    }
}
