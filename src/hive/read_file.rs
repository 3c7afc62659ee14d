//! Reading an input file (a hive, a log) into memory in one pass. Inputs are read, not mapped:
//! a mapped file that shrinks or meets a bad sector kills the process with SIGBUS (an in-page
//! exception on Windows); a read returns an error that names the file and the offset. Only a
//! regular file is opened, so a FIFO or a device is refused at once instead of waited on. The
//! bytes are read straight into the buffer the parsers use and hashed from it on a thread of
//! their own while the caller parses them: hashing piece by piece as they are read held the
//! reading to the hash's pace and copied every byte twice.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;

use crate::error::{Error, Result};
use crate::hive::buffer::Buffer;
use crate::hive::image::{InputFile, sha256_hex};

/// An input file's bytes, as read once from disk.
pub struct ReadFile {
    path: PathBuf,
    bytes: Arc<Buffer>,
    /// The hash of `bytes`, being computed beside the parsing.
    hashing: Mutex<Option<JoinHandle<String>>>,
    described: OnceLock<InputFile>,
}

impl ReadFile {
    /// Read the regular file at `path` to its end.
    pub fn open(path: &Path) -> Result<Self> {
        let file = open_regular(path)?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(path, "read the size of", e))?
            .len();
        Self::from_reader(path, file, len)
    }

    /// Read `len` bytes of `reader`, which holds the file at `path`. Fewer bytes (the file
    /// shrank while being read) or a read error is an error naming the offset reached.
    pub fn from_reader(path: &Path, reader: impl Read, len: u64) -> Result<Self> {
        let capacity = usize::try_from(len).map_err(|_| {
            Error::io(
                path,
                "read",
                io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    "larger than this platform's memory",
                ),
            )
        })?;
        let mut bytes = Buffer::zeroed(capacity)
            .map_err(|e| Error::io(path, "allocate memory to read", io::Error::other(e)))?;
        let mut reader = reader.take(len);
        let (filled, error) = fill(&mut reader, &mut bytes);
        if let Some(e) = error {
            return Err(Error::io(
                path,
                "read",
                io::Error::new(e.kind(), format!("at offset {filled:#x}: {e}")),
            ));
        }
        if filled != capacity {
            return Err(Error::io(
                path,
                "read",
                io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "at offset {filled:#x}: expected {len} bytes, but the file ends here (it shrank while being read)"
                    ),
                ),
            ));
        }
        let bytes = Arc::new(bytes);
        let hashing = {
            let bytes = Arc::clone(&bytes);
            std::thread::Builder::new()
                .name("sha256".into())
                .spawn(move || sha256_hex(&bytes))
                .map_err(|e| Error::io(path, "start hashing", e))?
        };
        Ok(Self {
            path: path.to_path_buf(),
            bytes,
            hashing: Mutex::new(Some(hashing)),
            described: OnceLock::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The bytes, shared (a clean hive is parsed from them without a copy).
    pub fn shared_bytes(&self) -> Arc<Buffer> {
        Arc::clone(&self.bytes)
    }

    /// Path, size and sha256 of the bytes read; waits for the hash on first call.
    pub fn describe(&self) -> &InputFile {
        self.described.get_or_init(|| {
            let thread = self
                .hashing
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
            // `None` only if a hash was taken already, which the OnceLock rules out.
            let sha256 = match thread {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => sha256_hex(&self.bytes),
            };
            InputFile::new(&self.path, sha256, self.bytes.len() as u64)
        })
    }
}

/// Read into `buffer` until it is full or `reader` ends: the bytes read, and the error that
/// stopped the reading early, if one did.
fn fill(reader: &mut impl Read, buffer: &mut [u8]) -> (usize, Option<io::Error>) {
    let mut read = 0;
    while let Some(rest) = buffer.get_mut(read..).filter(|rest| !rest.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (read, Some(e)),
        }
    }
    (read, None)
}

/// Open `path` for reading only if it is a regular file (links followed). Checked before
/// opening (a socket cannot be opened, a FIFO would block) and again on the opened file, which
/// is opened non-blocking so that a FIFO put in its place meanwhile cannot block either.
pub fn open_regular(path: &Path) -> Result<File> {
    let metadata = std::fs::metadata(path).map_err(|e| Error::io(path, "open", e))?;
    refuse_unless_regular(path, &metadata)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|e| Error::io(path, "open", e))?;
    let metadata = file
        .metadata()
        .map_err(|e| Error::io(path, "read the type of", e))?;
    refuse_unless_regular(path, &metadata)?;
    Ok(file)
}

fn refuse_unless_regular(path: &Path, metadata: &Metadata) -> Result<()> {
    if metadata.is_file() {
        return Ok(());
    }
    Err(Error::NotAFile {
        path: path.to_path_buf(),
        kind: file_kind(metadata),
    })
}

/// What a file that is not a regular file is, in words.
pub fn file_kind(metadata: &Metadata) -> &'static str {
    let file_type = metadata.file_type();
    if file_type.is_dir() {
        return "a directory";
    }
    if file_type.is_symlink() {
        return "a symbolic link";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    if file_type.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that shrinks after its first chunk has been read: the next read finds its end.
    struct Shrinking {
        first_chunk: Vec<u8>,
        served: bool,
        then: Option<io::ErrorKind>,
    }

    impl Read for Shrinking {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.served {
                return match self.then {
                    Some(kind) => Err(io::Error::new(kind, "bad sector")),
                    None => Ok(0),
                };
            }
            self.served = true;
            let n = buf.len().min(self.first_chunk.len());
            buf[..n].copy_from_slice(&self.first_chunk[..n]);
            Ok(n)
        }
    }

    fn read_shrinking(then: Option<io::ErrorKind>) -> Error {
        let reader = Shrinking {
            first_chunk: vec![7; 4096],
            served: false,
            then,
        };
        let result = ReadFile::from_reader(Path::new("case/SYSTEM"), reader, 16 * 4096);
        result.err().expect("a short read is an error")
    }

    #[test]
    fn a_file_that_shrinks_while_read_is_an_error_naming_file_and_offset() {
        let message = read_shrinking(None).to_string();
        assert!(message.starts_with("case/SYSTEM: cannot read"), "{message}");
        assert!(message.contains("at offset 0x1000"), "{message}");
        assert!(message.contains("shrank"), "{message}");
    }

    #[test]
    fn a_read_error_is_an_error_naming_file_and_offset() {
        let message = read_shrinking(Some(io::ErrorKind::Other)).to_string();
        assert!(message.starts_with("case/SYSTEM: cannot read"), "{message}");
        assert!(
            message.contains("at offset 0x1000: bad sector"),
            "{message}"
        );
    }

    #[test]
    fn the_hash_is_of_the_bytes_read() {
        let file = ReadFile::from_reader(Path::new("x"), &b"abcdef"[..], 3).unwrap();
        assert_eq!(file.bytes(), b"abc");
        let input = file.describe();
        assert_eq!(input.size, 3);
        assert_eq!(
            input.sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("SYSTEM");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        for (path, kind) in [
            (fifo.as_path(), "a FIFO"),
            (dir.path(), "a directory"),
            (Path::new("/dev/null"), "a character device"),
        ] {
            let message = open_regular(path).unwrap_err().to_string();
            assert!(message.contains(kind), "{message}");
            assert!(message.contains("not a regular file"), "{message}");
        }
    }
}
