//! A disk stored in blocks mapped by a table (dynamic VHD, VHDX, sparse VMDK): each read asks
//! the table where the bytes live, reads them from the file, or gives zeros for a block never
//! written. Tables are read entry by entry as needed, so a huge or hostile table costs no
//! memory; every location is checked against the file's size before it is read.

use std::io::{self, Read, Seek, SeekFrom};

use crate::image::disk::Disk;
use crate::image::window::seek_position;

/// Where the virtual byte at some offset is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Its offset in the file, or `None` when it reads as zero.
    pub file_offset: Option<u64>,
    /// How many bytes from there on are stored the same way (at least 1).
    pub run: u64,
}

/// A container's table: from a virtual offset to where its bytes are.
pub trait BlockMap: Send {
    /// The size of the virtual disk.
    fn size(&self) -> u64;
    /// Where the byte at `offset` (below [`BlockMap::size`]) is stored, reading the table
    /// from `file` as needed.
    fn locate(&mut self, file: &mut dyn Disk, offset: u64) -> io::Result<Located>;
}

/// The virtual disk of a block-mapped container, as `Read + Seek`.
pub struct Mapped<M, F> {
    file: F,
    file_len: u64,
    map: M,
    position: u64,
}

impl<M: BlockMap, F: Disk> Mapped<M, F> {
    pub fn new(mut file: F, map: M) -> io::Result<Self> {
        let file_len = file.seek(SeekFrom::End(0))?;
        Ok(Self {
            file,
            file_len,
            map,
            position: 0,
        })
    }
}

impl<M: BlockMap, F: Disk> Read for Mapped<M, F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.map.size().saturating_sub(self.position);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        let located = self.map.locate(&mut self.file, self.position)?;
        let run = usize::try_from(located.run.max(1))
            .unwrap_or(usize::MAX)
            .min(want);
        let piece = &mut buf[..run];
        match located.file_offset {
            None => piece.fill(0),
            Some(at) => {
                if at
                    .checked_add(run as u64)
                    .is_none_or(|end| end > self.file_len)
                {
                    return Err(super::disk::invalid(
                        at,
                        format!(
                            "the data of virtual offset {:#x} lies past the end of the file ({} bytes)",
                            self.position, self.file_len
                        ),
                    ));
                }
                self.file.seek(SeekFrom::Start(at))?;
                self.file.read_exact(piece)?;
            }
        }
        self.position += run as u64;
        Ok(run)
    }
}

impl<M: BlockMap, F: Disk> Seek for Mapped<M, F> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = seek_position(self.position, self.map.size(), to)?;
        Ok(self.position)
    }
}

/// The `N` bytes of a header field at `at`, or zeros past the end of `bytes`: each format then
/// refuses the zero where it matters.
pub(crate) fn field<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    at.checked_add(N)
        .and_then(|end| bytes.get(at..end))
        .and_then(|b| b.try_into().ok())
        .unwrap_or([0; N])
}

/// Read a table entry of `N` bytes at `offset` of `file`.
pub fn read_entry<const N: usize>(file: &mut dyn Disk, offset: u64) -> io::Result<[u8; N]> {
    let mut entry = [0; N];
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(&mut entry).map_err(|e| {
        super::disk::invalid(offset, format!("a table entry cannot be read here: {e}"))
    })?;
    Ok(entry)
}
