//! A hive's bytes in memory: the input file mapped read-only, or a private writable image (logs
//! replayed onto a copy-on-write mapping, or a buffer). Everything that reads a hive reads a
//! [`HiveImage`].

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::error::{Error, FormatError, Result};
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock};
use crate::hive::value::hex;

enum Bytes {
    Mapped(memmap2::Mmap),
    Writable(WritableImage),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Writable(w) => w,
        }
    }
}

/// A private, writable copy of a hive's bytes, for replaying logs onto. Writes never reach the
/// file the bytes came from.
pub enum WritableImage {
    /// The file mapped copy-on-write: only the pages written are copied, so replaying a few
    /// hundred pages onto a large hive costs those pages, not a copy of the whole file.
    CopyOnWrite(memmap2::MmapMut),
    Owned(Vec<u8>),
}

impl WritableImage {
    /// A copy of `bytes` in memory, with room for `capacity` bytes.
    pub fn copy_of(bytes: &[u8], capacity: usize) -> Self {
        let mut image = Vec::with_capacity(bytes.len().max(capacity));
        image.extend_from_slice(bytes);
        WritableImage::Owned(image)
    }

    /// Make the image at least `len` bytes long, new bytes zero. A mapping cannot grow:
    /// growing one copies it into memory first.
    pub fn grow_to(&mut self, len: usize) {
        if len <= self.len() {
            return;
        }
        if let WritableImage::CopyOnWrite(map) = self {
            *self = Self::copy_of(map, len);
        }
        if let WritableImage::Owned(image) = self {
            image.resize(len, 0);
        }
    }
}

impl std::fmt::Debug for WritableImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            WritableImage::CopyOnWrite(_) => "CopyOnWrite",
            WritableImage::Owned(_) => "Owned",
        };
        write!(f, "WritableImage::{kind}({} bytes)", self.len())
    }
}

impl Deref for WritableImage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            WritableImage::CopyOnWrite(m) => m,
            WritableImage::Owned(v) => v,
        }
    }
}

impl DerefMut for WritableImage {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            WritableImage::CopyOnWrite(m) => m,
            WritableImage::Owned(v) => v,
        }
    }
}

/// Facts about an input file, recorded in every report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputFile {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

/// Read-only bytes of a hive file, mapped into memory.
pub struct MappedFile {
    path: PathBuf,
    bytes: Bytes,
    /// Kept open so the hash is of this file, whatever happens to the path meanwhile.
    file: File,
    sha256: OnceLock<String>,
}

impl MappedFile {
    /// Open `path` read-only. The file is never written through this mapping.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, "open", e))?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(path, "read the size of", e))?
            .len();
        // An empty file cannot be mapped on every platform; it is simply empty.
        let bytes = if len == 0 {
            Bytes::Writable(WritableImage::Owned(Vec::new()))
        } else {
            // SAFETY: the map is read-only and private to this process. If another process
            // truncates or rewrites the file while it is mapped, reads may see the new bytes or
            // (on truncation) fault with SIGBUS; every parser here checks bounds against the
            // length taken at open time and treats the bytes as untrusted, so changed bytes can
            // only give wrong answers or errors, never memory unsafety in our code. Evidence
            // files are expected to be at rest while the tool runs.
            let map = unsafe { memmap2::Mmap::map(&file) }
                .map_err(|e| Error::io(path, "map into memory", e))?;
            Bytes::Mapped(map)
        };
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            file,
            sha256: OnceLock::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A private, writable copy of the file's bytes with room for `capacity` bytes: mapped
    /// copy-on-write when it need not grow, else copied into memory.
    pub fn writable_copy(&self, capacity: usize) -> WritableImage {
        if capacity <= self.bytes.len() && !self.bytes.is_empty() {
            // SAFETY: as for the read-only map in `open`, and the mapping is private: writes to
            // it are copied pages of this process and never reach the file. On Windows a
            // copy-on-write view reserves commit for its whole size up front.
            let map = unsafe {
                memmap2::MmapOptions::new()
                    .len(self.bytes.len())
                    .map_copy(&self.file)
            };
            // Mapping can fail where reading did not (address space, commit limit): a copy
            // in memory gives the same bytes.
            if let Ok(map) = map {
                return WritableImage::CopyOnWrite(map);
            }
        }
        WritableImage::copy_of(&self.bytes, capacity)
    }

    /// Path, size and sha256 of the whole file as it is on disk. The hash is computed on the
    /// first call (callers may run it beside the parsing, on another thread).
    pub fn describe(&self) -> Result<InputFile> {
        let sha256 = match self.sha256.get() {
            Some(sha256) => sha256.clone(),
            None => {
                // Hashed through reads, not through the mapping: hashing the mapping would make
                // every page of the file resident in this process, which a batch of large
                // hives pays per worker. Same bytes for a file at rest.
                let len = self.bytes.len() as u64;
                let sha256 = (&self.file)
                    .seek(SeekFrom::Start(0))
                    .and_then(|_| sha256_of_reader((&self.file).take(len)))
                    .map_err(|e| Error::io(&self.path, "read", e))?;
                self.sha256.get_or_init(|| sha256).clone()
            }
        };
        Ok(InputFile {
            path: self.path.clone(),
            sha256,
            size: self.bytes.len() as u64,
        })
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The sha256 (hex) of everything `reader` yields, read in 64 KiB pieces.
pub fn sha256_of_reader(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => return Ok(hex(&hasher.finalize())),
            Ok(n) => hasher.update(buffer.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// A hive image whose base block has been checked: the bytes that nt-hive reads.
pub struct HiveImage {
    bytes: Bytes,
    base_block: BaseBlock,
}

impl HiveImage {
    /// Check the base block of a mapped file and keep the mapping.
    pub fn from_mapped(file: MappedFile) -> Result<Self> {
        let base_block = Self::check(&file.bytes).map_err(|e| Error::format(&file.path, e))?;
        Ok(Self {
            bytes: file.bytes,
            base_block,
        })
    }

    /// Check the base block of an image in memory (a replayed or edited hive).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, FormatError> {
        Self::from_writable(WritableImage::Owned(bytes))
    }

    /// Check the base block of a replayed image.
    pub fn from_writable(bytes: WritableImage) -> Result<Self, FormatError> {
        let base_block = Self::check(&bytes)?;
        Ok(Self {
            bytes: Bytes::Writable(bytes),
            base_block,
        })
    }

    fn check(bytes: &[u8]) -> Result<BaseBlock, FormatError> {
        let base_block = BaseBlock::parse(bytes)?;
        base_block.validate_primary(bytes.len() as u64)?;
        Ok(base_block)
    }

    pub fn base_block(&self) -> &BaseBlock {
        &self.base_block
    }

    /// The base block and hive bins, without any trailing bytes past the bins.
    pub fn hive_bytes(&self) -> &[u8] {
        &self.bytes[..BASE_BLOCK_SIZE + self.base_block.bins_size as usize]
    }

    /// The hive as nt-hive sees it. Only the bins the base block declares are visible, so no
    /// cell offset can reach trailing bytes.
    pub fn nt_hive(&self) -> Result<nt_hive::Hive<&[u8]>, FormatError> {
        Ok(nt_hive::Hive::without_validation(self.hive_bytes())?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped(bytes: &[u8]) -> (tempfile::TempDir, MappedFile) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("SYSTEM");
        std::fs::write(&path, bytes).unwrap();
        let file = MappedFile::open(&path).unwrap();
        (dir, file)
    }

    #[test]
    fn writing_a_copy_on_write_image_changes_neither_the_file_nor_its_mapping() {
        let original = vec![7u8; 3 * 4096];
        let (dir, file) = mapped(&original);
        let mut copy = file.writable_copy(original.len());
        assert!(matches!(copy, WritableImage::CopyOnWrite(_)));
        copy[4096..8192].fill(1);
        assert_eq!(&copy[4090..4100], &[7, 7, 7, 7, 7, 7, 1, 1, 1, 1]);
        assert_eq!(file.bytes(), &original[..]);
        drop(copy);
        drop(file);
        assert_eq!(std::fs::read(dir.path().join("SYSTEM")).unwrap(), original);
    }

    #[test]
    fn a_copy_that_must_grow_keeps_its_writes_and_zero_fills() {
        let (_dir, file) = mapped(&[7u8; 4096]);
        let mut copy = file.writable_copy(4096);
        copy[0] = 1;
        copy.grow_to(8192);
        assert!(matches!(copy, WritableImage::Owned(_)));
        assert_eq!(copy.len(), 8192);
        assert_eq!((copy[0], copy[1], copy[4095], copy[4096]), (1, 7, 7, 0));
        let larger = file.writable_copy(8192);
        assert!(
            matches!(larger, WritableImage::Owned(_)),
            "a map cannot grow"
        );
    }
}
