//! The one way a hive is opened for reading: read it and its logs into memory (fingerprinting
//! them as they are read), replay the logs in memory, check the base block of the result.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, FormatError, Result};
use crate::hive::image::{HiveImage, InputFile};
use crate::hive::log::{LogFile, ReplayReport, open_logs, replay};
use crate::hive::read_file::ReadFile;
use crate::hive::reader::HiveReader;
use crate::report::json_path;
use crate::winsock::catalog::{SystemCatalogs, read_system_catalogs};

/// What the user asked about transaction logs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LogOptions {
    /// `--no-logs`: read the primary file as it is.
    pub no_logs: bool,
    /// `--log FILE`: logs named explicitly instead of found next to the hive.
    #[serde(serialize_with = "json_path::lossy_list")]
    pub logs: Vec<PathBuf>,
}

/// The logs considered for an input and what replaying them did.
#[derive(Debug, Clone, Serialize)]
pub struct LogsReport {
    /// How the logs were looked for.
    pub options: LogOptions,
    /// Path, size and sha256 of every log file read.
    pub files: Vec<InputFile>,
    /// What the replay applied, or why it did not.
    pub replay: ReplayReport,
}

impl LogsReport {
    /// A line for people when the input was dirty: what was replayed, or that data may be lost.
    pub fn dirty_notice(&self, input: &Path) -> Option<String> {
        let replay = &self.replay;
        if !replay.was_dirty {
            return None;
        }
        let state = format!(
            "{} is dirty (sequence {}/{})",
            input.display(),
            replay.primary.primary_sequence,
            replay.primary.secondary_sequence
        );
        if replay.applied.is_empty() {
            let why = if self.options.no_logs {
                "--no-logs was given"
            } else if self.files.is_empty() {
                "no transaction logs were found beside it"
            } else {
                "none of its logs could be applied"
            };
            return Some(format!(
                "warning: {state} and {why}: its latest changes may be missing from what is shown"
            ));
        }
        let applied: Vec<String> = replay
            .applied
            .iter()
            .map(|log| {
                let range = match (log.first_sequence, log.last_sequence) {
                    (Some(first), Some(last)) => format!(", sequence {first}-{last}"),
                    _ => String::new(),
                };
                format!(
                    "{} ({} format, {} pages{range})",
                    log.path.display(),
                    log.format.name(),
                    log.pages_applied
                )
            })
            .collect();
        Some(format!(
            "note: {state}; replayed in memory from {}",
            applied.join(", ")
        ))
    }
}

/// An input hive, ready to read.
pub struct OpenedHive {
    /// The primary file as read from disk (its hash is computed while the hive is parsed).
    primary: ReadFile,
    /// The logs read beside it, and what replaying them did.
    pub logs: LogsReport,
    /// The primary with its logs replayed: what every command reads.
    pub image: HiveImage,
}

impl OpenedHive {
    /// Read the hive at `path` (hashed as it is read) and replay the logs beside it as
    /// `options` say.
    pub fn open(path: &Path, options: LogOptions) -> Result<Self> {
        let primary = ReadFile::open(path)?;
        let log_files = if options.no_logs {
            Vec::new()
        } else if options.logs.is_empty() {
            open_logs(path)?
        } else {
            options
                .logs
                .iter()
                .map(|log| ReadFile::open(log))
                .collect::<Result<_>>()?
        };
        Self::from_files(primary, log_files, options)
    }

    /// A hive whose bytes are already in memory (another program's buffer, a fuzzer's input),
    /// named `name` in reports; read as it is, without logs.
    pub fn from_bytes(name: &Path, bytes: &[u8]) -> Result<Self> {
        let primary = ReadFile::from_reader(name, bytes, bytes.len() as u64)?;
        let options = LogOptions {
            no_logs: true,
            logs: Vec::new(),
        };
        Self::from_files(primary, Vec::new(), options)
    }

    /// Replay `log_files` onto `primary` and check the result's base block (files read from
    /// a disk image come this way).
    pub fn from_files(
        primary: ReadFile,
        log_files: Vec<ReadFile>,
        options: LogOptions,
    ) -> Result<Self> {
        let path = primary.path().to_path_buf();
        let path = path.as_path();
        let logs: Vec<LogFile> = log_files.iter().map(LogFile::from).collect();
        let replayed = replay(primary.bytes(), &logs).map_err(|e| Error::format(path, e))?;
        // Nothing applied: read the primary's bytes themselves, not a copy.
        let image = match replayed.recovered {
            None => HiveImage::from_shared(primary.shared_bytes())
                .map_err(|e| Error::format(path, e))?,
            Some(image) => HiveImage::from_vec(image).map_err(|e| {
                Error::format(path, e.with_context("after replaying its transaction logs"))
            })?,
        };
        let logs = LogsReport {
            options,
            files: log_files.iter().map(|log| log.describe().clone()).collect(),
            replay: replayed.report,
        };
        Ok(Self {
            primary,
            logs,
            image,
        })
    }

    /// The same input and logs, read from `image` instead (a salvaged rebuild of this hive).
    pub fn with_image(self, image: HiveImage) -> Self {
        Self { image, ..self }
    }

    /// The path the hive was opened at.
    pub fn path(&self) -> &Path {
        self.primary.path()
    }

    /// Path, size and sha256 of the primary file as read (waits for its hash).
    pub fn input(&self) -> &InputFile {
        self.primary.describe()
    }

    /// The files this hive was read from (the primary and every log read): what an output must
    /// never overwrite.
    pub fn own_files(&self) -> Vec<PathBuf> {
        std::iter::once(self.path())
            .chain(self.logs.files.iter().map(|file| file.path.as_path()))
            .map(Path::to_path_buf)
            .collect()
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
        let format_error = |e| Error::format(self.path(), e);
        let hive = self.image.nt_hive().map_err(format_error)?;
        let reader = HiveReader::new(&hive, self.image.hive_bytes());
        read(&reader).map_err(format_error)
    }
}
