//! Memory for the bytes of a file read whole. A large file goes into an anonymous mapping
//! advised to use huge pages: filling a 16 MB buffer of 4 KiB pages takes 4000 page faults,
//! more time than reading the file. The bytes start on a huge-page boundary inside a mapping
//! one huge page longer, since only whole aligned huge pages of a mapping can be huge. An anonymous mapping is backed by no file, so unlike a
//! mapped input it cannot fault when some file changes or a disk fails. Elsewhere (or when
//! mapping fails) a `Vec`.

use std::ops::{Deref, DerefMut};

/// The size of a huge page on x86-64 and arm64 (4 KiB base pages).
const HUGE_PAGE: usize = 2 << 20;

/// Below this, a `Vec`.
const MAPPED_FROM: usize = 2 * HUGE_PAGE;

pub enum Buffer {
    Owned(Vec<u8>),
    /// `len` bytes from `start` in the mapping.
    Anonymous {
        map: memmap2::MmapMut,
        start: usize,
        len: usize,
    },
}

impl Buffer {
    /// `len` zero bytes, to be filled.
    pub fn zeroed(len: usize) -> Result<Self, std::collections::TryReserveError> {
        let mapped = len.checked_add(HUGE_PAGE).filter(|_| len >= MAPPED_FROM);
        if let Some(Ok(map)) = mapped.map(|size| memmap2::MmapOptions::new().len(size).map_anon()) {
            // Only advice: without huge pages the mapping works all the same.
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::HugePage);
            let start = (map.as_ptr() as usize).wrapping_neg() % HUGE_PAGE;
            return Ok(Buffer::Anonymous { map, start, len });
        }
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len)?;
        bytes.resize(len, 0);
        Ok(Buffer::Owned(bytes))
    }
}

impl From<Vec<u8>> for Buffer {
    fn from(bytes: Vec<u8>) -> Self {
        Buffer::Owned(bytes)
    }
}

impl Deref for Buffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Buffer::Owned(bytes) => bytes,
            Buffer::Anonymous { map, start, len } => &map[*start..*start + *len],
        }
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Buffer::Owned(bytes) => bytes,
            Buffer::Anonymous { map, start, len } => &mut map[*start..*start + *len],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_buffers_are_vecs_large_ones_mapped_and_both_zeroed() {
        let small = Buffer::zeroed(4096).unwrap();
        assert!(matches!(small, Buffer::Owned(_)));
        let mut large = Buffer::zeroed(MAPPED_FROM + 5).unwrap();
        assert!(matches!(large, Buffer::Anonymous { .. }));
        assert_eq!(large.len(), MAPPED_FROM + 5);
        assert_eq!(large.as_ptr() as usize % HUGE_PAGE, 0);
        assert!(large.iter().all(|&b| b == 0));
        large[5] = 7;
        assert_eq!(&large[..6], &[0, 0, 0, 0, 0, 7]);
    }
}
