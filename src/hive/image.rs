//! A hive's bytes in memory, checked: everything that reads a hive reads a [`HiveImage`]. Also
//! the facts recorded about each input file, and the sha256 helpers.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::error::FormatError;
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock};
use crate::hive::buffer::Buffer;
use crate::hive::value::hex;
use crate::report::json_path;

/// Facts about an input file, recorded in every report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputFile {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: PathBuf,
    /// The exact bytes of `path` in hex when it is not UTF-8 (`path` is then lossy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes_hex: Option<String>,
    pub sha256: String,
    pub size: u64,
}

impl InputFile {
    pub fn new(path: &Path, sha256: String, size: u64) -> Self {
        Self {
            path: path.to_path_buf(),
            path_bytes_hex: json_path::bytes_hex(path),
            sha256,
            size,
        }
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

/// A hive image whose base block has been checked: the bytes that nt-hive reads. Shared with
/// the file it was read from when no log changed it.
pub struct HiveImage {
    bytes: Arc<Buffer>,
    base_block: BaseBlock,
}

impl HiveImage {
    /// Check the base block of an image in memory (a file read, a replayed or edited hive).
    pub fn from_vec(bytes: Vec<u8>) -> Result<Self, FormatError> {
        Self::from_shared(Arc::new(Buffer::from(bytes)))
    }

    pub fn from_shared(bytes: Arc<Buffer>) -> Result<Self, FormatError> {
        let base_block = Self::check(&bytes)?;
        Ok(Self { bytes, base_block })
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
