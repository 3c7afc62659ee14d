//! Files on an NTFS volume inside an image, through the `ntfs` crate. Names are looked up in
//! any letter case (with the volume's own $UpCase table, as Windows does); a reparse point
//! (junction, symbolic link, mount point) is never followed, so nothing outside the volume, or
//! elsewhere on it, is read in the place of what was asked.

use std::io::{Read, Seek};
use std::path::Path;

use ntfs::indexes::NtfsFileNameIndex;
use ntfs::structured_values::NtfsFileAttributeFlags;
use ntfs::{Ntfs, NtfsFile};

use crate::error::{Error, FormatError, Result};
use crate::hive::panic_guard::contained;
use crate::hive::read_file::ReadFile;

/// Files read whole into memory (hives, logs): larger than any hive Windows loads, so a hostile
/// volume cannot make the tool allocate what its file records claim.
const MAX_READ_WHOLE: u64 = 2 * 1024 * 1024 * 1024;

/// Entries listed in one directory at most: a hostile index cannot make a listing unbounded.
const MAX_ENTRIES: usize = 100_000;

/// What a path names on the volume.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Found: its record number, whether it is a directory, and its names as stored.
    Found {
        record: u64,
        directory: bool,
        names: Vec<String>,
    },
    /// `missing` is not in the folder `found` (the names found before it, as stored).
    Missing { found: Vec<String>, missing: String },
    /// A component is a reparse point: not followed.
    NotFollowed { reason: String },
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub record: u64,
    pub directory: bool,
}

pub struct NtfsVolume<D> {
    fs: D,
    ntfs: Ntfs,
}

fn ntfs_error(e: ntfs::NtfsError) -> FormatError {
    FormatError::new(format!("NTFS: {e}"))
}

/// Run `read`, which calls the `ntfs` crate: it panics on some damaged volumes (an
/// `unreachable!` when a structure is cut short), and the panic becomes an error. Everything
/// that panicked is dropped with the error.
fn contain<T>(
    read: impl FnOnce() -> std::result::Result<T, FormatError>,
) -> std::result::Result<T, FormatError> {
    contained(read).unwrap_or_else(|detail| {
        Err(FormatError::new(format!(
            "NTFS: damaged volume (ntfs crate: {detail})"
        )))
    })
}

impl<D: Read + Seek> NtfsVolume<D> {
    pub fn open(mut fs: D) -> std::result::Result<Self, FormatError> {
        let ntfs = contain(|| {
            let mut ntfs = Ntfs::new(&mut fs).map_err(ntfs_error)?;
            ntfs.read_upcase_table(&mut fs).map_err(ntfs_error)?;
            Ok(ntfs)
        })?;
        Ok(Self { fs, ntfs })
    }

    /// Follow `components` down from the root directory.
    pub fn find(&mut self, components: &[&str]) -> std::result::Result<Lookup, FormatError> {
        let Self { fs, ntfs } = self;
        contain(|| {
            let mut current = ntfs.root_directory(fs).map_err(ntfs_error)?;
            let mut names = Vec::new();
            let mut directory = true;
            for component in components {
                let missing = || Lookup::Missing {
                    found: names.clone(),
                    missing: component.to_string(),
                };
                if !directory {
                    return Ok(missing());
                }
                let index = current.directory_index(fs).map_err(ntfs_error)?;
                let mut finder = index.finder();
                let Some(entry) = NtfsFileNameIndex::find(&mut finder, ntfs, fs, component) else {
                    return Ok(missing());
                };
                let entry = entry.map_err(ntfs_error)?;
                let key = entry
                    .key()
                    .ok_or_else(|| {
                        FormatError::new(format!(
                            "NTFS: the index entry of {component} has no name"
                        ))
                    })?
                    .map_err(ntfs_error)?;
                let name = key.name().to_string_lossy();
                if key
                    .file_attributes()
                    .contains(NtfsFileAttributeFlags::REPARSE_POINT)
                {
                    names.push(name);
                    return Ok(Lookup::NotFollowed {
                        reason: format!(
                            "{} is a reparse point (a link or junction); not followed",
                            names.join("/")
                        ),
                    });
                }
                directory = key.is_directory();
                names.push(name);
                current = entry.to_file(ntfs, fs).map_err(ntfs_error)?;
            }
            Ok(Lookup::Found {
                record: current.file_record_number(),
                directory,
                names,
            })
        })
    }

    /// The entries of the directory with record number `record` (long names; no `.`).
    pub fn list(&mut self, record: u64) -> std::result::Result<Vec<Entry>, FormatError> {
        let Self { fs, ntfs } = self;
        contain(|| {
            let directory = ntfs.file(fs, record).map_err(ntfs_error)?;
            let index = directory.directory_index(fs).map_err(ntfs_error)?;
            let mut entries = index.entries();
            let mut listed = Vec::new();
            while let Some(entry) = entries.next(fs) {
                let entry = entry.map_err(ntfs_error)?;
                let Some(key) = entry.key() else { continue };
                let key = key.map_err(ntfs_error)?;
                // Each file is listed under its long name and its 8.3 name: keep one.
                if key.namespace() == ntfs::structured_values::NtfsFileNamespace::Dos {
                    continue;
                }
                listed.push(Entry {
                    name: key.name().to_string_lossy(),
                    record: entry.file_reference().file_record_number(),
                    directory: key.is_directory(),
                });
                if listed.len() > MAX_ENTRIES {
                    return Err(FormatError::new(format!(
                        "NTFS: more than {MAX_ENTRIES} entries in one directory"
                    )));
                }
            }
            Ok(listed)
        })
    }

    /// Read the unnamed data stream of the file with record number `record` into memory
    /// (hashed as it is read), named `name` in reports.
    pub fn read_file(&mut self, record: u64, name: &Path) -> Result<ReadFile> {
        self.with_data(record, |reader, len| {
            if len > MAX_READ_WHOLE {
                return Err(Error::format(
                    name,
                    FormatError::new(format!(
                        "NTFS: {len} bytes; a hive or log is read whole only up to {MAX_READ_WHOLE}"
                    )),
                ));
            }
            ReadFile::from_reader(name, reader, len)
        })
        .map_err(|e| Error::format(name, e))?
    }

    /// Run `read` on the unnamed data stream of the file with record number `record`, and its
    /// length (never more than the volume's size).
    pub fn with_data<T>(
        &mut self,
        record: u64,
        read: impl FnOnce(&mut dyn Read, u64) -> T,
    ) -> std::result::Result<T, FormatError> {
        let Self { fs, ntfs } = self;
        contain(|| {
            let volume_size = ntfs.size();
            let file: NtfsFile<'_> = ntfs.file(fs, record).map_err(ntfs_error)?;
            let item = file
                .data(fs, "")
                .ok_or_else(|| FormatError::new("NTFS: the file has no data stream"))?
                .map_err(ntfs_error)?;
            let attribute = item.to_attribute().map_err(ntfs_error)?;
            let value = attribute.value(fs).map_err(ntfs_error)?;
            let len = value.len();
            if len > volume_size {
                return Err(FormatError::new(format!(
                    "NTFS: a file of {len} bytes on a volume of {volume_size}"
                )));
            }
            Ok(read(&mut value.attach(fs), len))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn a_volume_cut_short_is_an_error_not_a_panic() {
        // The ntfs crate reaches `unreachable!` on a boot sector it cannot read whole.
        for len in [0, 100, 511] {
            let error = NtfsVolume::open(Cursor::new(vec![0; len])).err().unwrap();
            assert!(error.to_string().contains("NTFS"), "{error}");
        }
    }
}
