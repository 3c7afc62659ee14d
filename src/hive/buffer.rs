//! Memory for the bytes of a file read whole. A large file goes into an anonymous mapping
//! advised to use huge pages: filling a 16 MB buffer of 4 KiB pages takes 4000 page faults,
//! more time than reading the file. An anonymous mapping is backed by no file, so unlike a
//! mapped input it cannot fault when some file changes or a disk fails. Elsewhere (or when
//! mapping fails) a `Vec`.

use std::ops::{Deref, DerefMut};

/// Below this, a `Vec`: a huge page is 2 MiB.
const MAPPED_FROM: usize = 4 << 20;

pub enum Buffer {
    Owned(Vec<u8>),
    Anonymous(memmap2::MmapMut),
}

impl Buffer {
    /// `len` zero bytes, to be filled.
    pub fn zeroed(len: usize) -> Result<Self, std::collections::TryReserveError> {
        if len >= MAPPED_FROM {
            if let Ok(map) = memmap2::MmapOptions::new().len(len).map_anon() {
                // Only advice: without huge pages the mapping works all the same.
                #[cfg(unix)]
                let _ = map.advise(memmap2::Advice::HugePage);
                return Ok(Buffer::Anonymous(map));
            }
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
            Buffer::Anonymous(map) => map,
        }
    }
}

impl DerefMut for Buffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            Buffer::Owned(bytes) => bytes,
            Buffer::Anonymous(map) => map,
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
        let mut large = Buffer::zeroed(MAPPED_FROM).unwrap();
        assert_eq!(large.len(), MAPPED_FROM);
        assert!(large.iter().all(|&b| b == 0));
        large[5] = 7;
        assert_eq!(&large[..6], &[0, 0, 0, 0, 0, 7]);
    }
}
