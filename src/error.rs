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
    /// A fault at `offset` from the start of the file.
    pub fn at(offset: u64, message: impl Into<String>) -> Self {
        Self {
            offset: Some(offset),
            message: message.into(),
        }
    }

    /// A fault with no one offset (a count that disagrees, a log that does not fit).
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
    /// nt-hive's offsets are absolute file offsets (it reads the whole image). The errors a
    /// damaged hive causes most are put in plain words; nt-hive's own messages show bytes as
    /// decimal arrays and speak of "slices".
    fn from(e: nt_hive::NtHiveError) -> Self {
        use nt_hive::NtHiveError::*;
        let at = |offset: usize| offset as u64;
        match e {
            InvalidTwoByteSignature {
                offset,
                expected,
                actual,
            } => Self::at(at(offset), signature_message(expected, &actual)),
            InvalidFourByteSignature {
                offset,
                expected,
                actual,
            } => Self::at(at(offset), signature_message(expected, &actual)),
            InvalidHeaderSize {
                offset,
                expected,
                actual,
            } => Self::at(
                at(offset),
                format!("expected a {expected}-byte record, found only {actual} bytes"),
            ),
            // nt-hive subtracts the 4-byte header from a cell size unchecked: a size below 4
            // wraps to nearly 2^64 (seen on a zeroed bin), which is no number to show anyone.
            InvalidSizeField {
                offset,
                expected,
                actual: _,
            } if expected > usize::MAX - 4 => Self::at(
                at(offset),
                "the size field is smaller than the 4 bytes of the size field itself",
            ),
            InvalidSizeField {
                offset,
                expected,
                actual,
            } => Self::at(
                at(offset),
                format!("the size field claims {expected} bytes, but only {actual} bytes follow"),
            ),
            other => Self::new(other.to_string()),
        }
    }
}

/// Bytes found where a signature was expected, for messages: `"ri"`, `"\x00\x00"`, or
/// "nothing" when the data ends first.
pub fn found_bytes(bytes: Option<&[u8]>) -> String {
    match bytes {
        Some(bytes) => format!("\"{}\"", bytes.escape_ascii()),
        None => "nothing (the data ends first)".to_string(),
    }
}

/// "expected the signature "lf" or "lh" or "li", found "ri"" (nt-hive joins choices with `|`).
fn signature_message(expected: &[u8], actual: &[u8]) -> String {
    let choices: Vec<String> = expected
        .split(|&b| b == b'|')
        .map(|choice| found_bytes(Some(choice)))
        .collect();
    format!(
        "expected the signature {}, found {}",
        choices.join(" or "),
        found_bytes(Some(actual))
    )
}

/// Everything that stops a command. `Display` is the message the user reads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file that could not be opened, read, written, renamed...
    #[error("{path}: cannot {action}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done, as "cannot {action}" reads: "read", "rename a file to".
        action: &'static str,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A hive, log or image whose bytes are not what the format says.
    #[error("{path}: {source}")]
    Format {
        /// The file whose bytes are at fault.
        path: PathBuf,
        /// Where, and what was expected there.
        #[source]
        source: FormatError,
    },
    /// An input that is a FIFO, a device, a folder...: refused before it can block or mislead.
    #[error("{path}: cannot read it: it is {kind}, not a regular file")]
    NotAFile {
        /// The input.
        path: PathBuf,
        /// What it is instead: "a folder", "a FIFO"...
        kind: &'static str,
    },
    /// A path on a volume that leads out of it (a link or junction): never read or written.
    #[error("{path}: not read: {reason}")]
    OutsideVolume {
        /// The path on the volume.
        path: PathBuf,
        /// The link and where it leads.
        reason: String,
    },
    /// A write that would destroy evidence or an existing file.
    #[error("{path}: refusing to write: {reason}")]
    Refused {
        /// Where the write was to go.
        path: PathBuf,
        /// What is there, or which input it is.
        reason: String,
    },
    /// An input of the wrong kind for what was asked: a folder where a hive file is wanted, a
    /// hive that is not a SOFTWARE hive, a description that does not parse.
    #[error("{path}: {reason}")]
    WrongInput {
        /// The input.
        path: PathBuf,
        /// What it is, and what to give instead.
        reason: String,
    },
    /// A TARGET (a folder, a volume, a disk image) holding no Windows installation.
    #[error("{path}: {detail}")]
    NoInstallation {
        /// The TARGET.
        path: PathBuf,
        /// What was looked for and what the TARGET holds instead.
        detail: String,
    },
    /// A TARGET holding more than one installation: the user must name one.
    #[error("{path}: several Windows installations, name one{how}: {}", choices.join(", "))]
    SeveralInstallations {
        /// The TARGET.
        path: PathBuf,
        /// How to name one, e.g. " with --partition N" (empty when the choices are paths).
        how: &'static str,
        /// The installations found: Windows folders, or partitions of an image.
        choices: Vec<String>,
    },
    /// `--recursive` found no SYSTEM hive under the folders given.
    #[error(
        "no SYSTEM hive found under {} (--recursive looks for files named SYSTEM that start \
         with a hive header)",
        looked.join(", ")
    )]
    NoHiveFound {
        /// The folders searched.
        looked: Vec<String>,
    },
    /// No Winsock key to export in the control set.
    #[error("{path}: no Winsock key in {control_set}: nothing to export")]
    NothingToExport {
        /// The hive.
        path: PathBuf,
        /// The control set read, e.g. `ControlSet001`.
        control_set: String,
    },
    /// `restore` found no backup of `repair --install` in the configuration folder.
    #[error("{folder}: no backup made by repair --install here (see restore --list)")]
    NoBackup {
        /// The installation's `System32\config` folder.
        folder: PathBuf,
    },
    /// A repair that cannot be planned as asked, in a control set when it is about one.
    #[error("{}{source}", control_set.as_deref().map(|c| format!("{c}: ")).unwrap_or_default())]
    Plan {
        /// The control set whose plan failed, e.g. `ControlSet001`.
        control_set: Option<String>,
        /// Why, and what to give instead.
        #[source]
        source: crate::winsock::repair::PlanError,
    },
    /// A time that is not an RFC 3339 time a FILETIME can hold.
    #[error("{text:?} is {problem}")]
    InvalidTime {
        /// The time as given.
        text: String,
        /// What is wrong with it: "before the year 1601"...
        problem: String,
    },
    /// An install that failed, and whose undo failed too: the volume needs a hand.
    #[error("{error}; undoing the steps already done failed too, fix by hand: {}", problems.join("; "))]
    UndoFailed {
        /// Why the install stopped.
        error: Box<Error>,
        /// Each undo step that failed: the file and what the system said.
        problems: Vec<String>,
    },
    /// The worker threads of a batch could not be started.
    #[error("cannot start {count} worker threads: {source}")]
    Threads {
        /// How many were asked for.
        count: usize,
        /// What the thread pool said.
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    /// Arguments that do not go together (or a flag that does not fit the TARGET).
    #[error("{0}")]
    Usage(String),
}

impl From<crate::winsock::repair::PlanError> for Error {
    /// A plan error about no control set in particular.
    fn from(source: crate::winsock::repair::PlanError) -> Self {
        Self::Plan {
            control_set: None,
            source,
        }
    }
}

impl Error {
    /// [`Error::Io`]: `action` on `path` failed.
    pub fn io(path: impl Into<PathBuf>, action: &'static str, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            action,
            source,
        }
    }

    /// [`Error::Format`]: the bytes of `path` are at fault.
    pub fn format(path: impl Into<PathBuf>, source: FormatError) -> Self {
        Self::Format {
            path: path.into(),
            source,
        }
    }

    /// Whether this is a write to a closed pipe (`... | head -1`): the reader has all it wants,
    /// so the command stops quietly as if done.
    pub fn is_broken_pipe(&self) -> bool {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(error) = cause {
            cause = match error.downcast_ref::<std::io::Error>() {
                Some(io) if io.kind() == std::io::ErrorKind::BrokenPipe => return true,
                // An io::Error's source() skips the error it wraps (a csv::Error...).
                Some(io) => io
                    .get_ref()
                    .map(|inner| inner as &(dyn std::error::Error + 'static)),
                None => error.source(),
            };
        }
        false
    }
}

/// A result whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nt_hive_signature_errors_are_put_in_plain_words() {
        let e = FormatError::from(nt_hive::NtHiveError::InvalidTwoByteSignature {
            offset: 0x152c,
            expected: b"lf|lh|li",
            actual: *b"ri",
        });
        assert_eq!(
            e.to_string(),
            r#"at offset 0x152c: expected the signature "lf" or "lh" or "li", found "ri""#
        );
    }

    #[test]
    fn a_wrapped_size_is_not_shown_as_a_number() {
        let e = FormatError::from(nt_hive::NtHiveError::InvalidSizeField {
            offset: 0x2de190,
            expected: usize::MAX - 3,
            actual: 437868,
        });
        assert_eq!(
            e.to_string(),
            "at offset 0x2de190: the size field is smaller than the 4 bytes of the size field itself"
        );
    }

    #[test]
    fn found_bytes_are_quoted_text_with_escapes() {
        assert_eq!(found_bytes(Some(&[b'n', 0, 0xff])), r#""n\x00\xff""#);
        assert_eq!(found_bytes(None), "nothing (the data ends first)");
    }
}
