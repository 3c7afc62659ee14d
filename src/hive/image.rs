//! A hive's bytes in memory: the input file mapped read-only, or an owned image (after log replay
//! or editing). Everything that reads a hive reads a [`HiveImage`].

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::error::{Error, FormatError, Result};
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock};

enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
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
            Bytes::Owned(Vec::new())
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
fn sha256_of_reader(mut reader: impl Read) -> std::io::Result<String> {
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

fn hex(digest: &[u8]) -> String {
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
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

    /// Check the base block of an owned image (a replayed or edited hive).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, FormatError> {
        let base_block = Self::check(&bytes)?;
        Ok(Self {
            bytes: Bytes::Owned(bytes),
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

    /// All bytes, trailing ones included.
    pub fn all_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The hive as nt-hive sees it. Only the bins the base block declares are visible, so no
    /// cell offset can reach trailing bytes.
    pub fn nt_hive(&self) -> Result<nt_hive::Hive<&[u8]>, FormatError> {
        Ok(nt_hive::Hive::without_validation(self.hive_bytes())?)
    }
}
