//! A virtual disk: what every container gives, whatever it is stored as.

use std::io::{self, Read, Seek, SeekFrom};

/// Bytes that can be read anywhere: a container's virtual disk, a partition of it.
pub trait Disk: Read + Seek + Send {}

impl<T: Read + Seek + Send> Disk for T {}

/// The size of a disk, found by seeking to its end.
pub fn disk_size(disk: &mut dyn Disk) -> io::Result<u64> {
    disk.seek(SeekFrom::End(0))
}

/// Read `buffer.len()` bytes at `offset` of `disk`.
pub fn read_at(
    disk: &mut (impl Read + Seek + ?Sized),
    offset: u64,
    buffer: &mut [u8],
) -> io::Result<()> {
    disk.seek(SeekFrom::Start(offset))?;
    disk.read_exact(buffer)
}

/// An error about a container's structure, naming the offset and what was expected there.
pub fn invalid(offset: u64, message: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("at offset {offset:#x}: {message}"),
    )
}
