//! The errors a user can meet. Each one names the file and, where the bytes are at fault, the offset
//! and what was expected there.

use std::fmt;
use std::path::PathBuf;

/// A fault in the bytes of a hive or log: where it is and what was expected there.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormatError {
    /// Offset from the start of the file, when the fault has one.
    pub offset: Option<u64>,
    /// What was expected and what was found, in plain words.
    pub message: String,
}

impl FormatError {
    pub fn at(offset: u64, message: impl Into<String>) -> Self {
        Self {
            offset: Some(offset),
            message: message.into(),
        }
    }

    pub fn new(message: impl Into<String>) -> Self {
        Self {
            offset: None,
            message: message.into(),
        }
    }

    /// The same fault, with the circumstances in which it was met appended.
    pub fn with_context(mut self, context: &str) -> Self {
        self.message = format!("{} ({context})", self.message);
        self
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "at offset {offset:#x}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for FormatError {}

impl From<nt_hive::NtHiveError> for FormatError {
    fn from(e: nt_hive::NtHiveError) -> Self {
        // nt-hive's messages already carry absolute file offsets.
        Self::new(e.to_string())
    }
}

/// Everything that stops a command. `Display` is the message the user reads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot {action}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Format {
        path: PathBuf,
        #[source]
        source: FormatError,
    },
    /// A write that would destroy evidence or an existing file.
    #[error("{path}: refusing to write: {reason}")]
    Refused { path: PathBuf, reason: String },
    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            action,
            source,
        }
    }

    pub fn format(path: impl Into<PathBuf>, source: FormatError) -> Self {
        Self::Format {
            path: path.into(),
            source,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
