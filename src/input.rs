//! The one way a hive file is opened for reading: map it read-only, fingerprint it, check its
//! base block. Log replay will slot in here, between the mapping and the image.

use std::path::{Path, PathBuf};

use crate::error::{Error, FormatError, Result};
use crate::hive::image::{HiveImage, InputFile, MappedFile};
use crate::hive::reader::HiveReader;
use crate::winsock::catalog::{SystemCatalogs, read_system_catalogs};

/// What the user asked about transaction logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogOptions {
    /// `--no-logs`: read the primary file as it is.
    pub no_logs: bool,
    /// `--log FILE`: logs named explicitly instead of found next to the hive.
    pub logs: Vec<PathBuf>,
}

/// An input hive, ready to read.
pub struct OpenedHive {
    /// Path, size and sha256 of the file as it is on disk.
    pub input: InputFile,
    pub image: HiveImage,
    /// The log handling asked for (replay is not wired in yet, so the primary is read as is).
    pub logs: LogOptions,
}

impl OpenedHive {
    pub fn open(path: &Path, logs: LogOptions) -> Result<Self> {
        let file = MappedFile::open(path)?;
        let input = file.describe();
        let image = HiveImage::from_mapped(file)?;
        Ok(Self { input, image, logs })
    }

    /// The Winsock configuration: control set `requested` (else `Select\Current`), and every
    /// other control set too when `all`.
    pub fn catalogs(&self, requested: Option<u32>, all: bool) -> Result<SystemCatalogs> {
        self.read(|reader| read_system_catalogs(reader, requested, all))
    }

    /// Run `read` on the hive's keys; its error is reported against this file.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&HiveReader<'_>) -> Result<T, FormatError>,
    ) -> Result<T> {
        let format_error = |e| Error::format(&self.input.path, e);
        let hive = self.image.nt_hive().map_err(format_error)?;
        let reader = HiveReader::new(&hive, self.image.hive_bytes().len());
        read(&reader).map_err(format_error)
    }
}
