//! The DLL check ([`crate::volume::dll_check`]) on an NTFS volume inside a disk image: the
//! same lookups as on a mounted volume (any letter case, reparse points never followed), with
//! files read out of the image and named `IMAGE#pN/<path as stored>`.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};

use crate::image::disk::Disk;
use crate::image::ntfs_volume::{Lookup, NtfsVolume};
use crate::image::window::Window;
use crate::volume::confine::Confined;
use crate::volume::dll_check::{DllReport, DllVolume, FileFacts, check_dlls, measure};
use crate::volume::library_path::SystemLayout;
use crate::winsock::catalog::ControlSetCatalogs;

/// An NTFS partition of an image, open for the DLL check.
pub struct ImageVolume {
    volume: NtfsVolume<Window<Box<dyn Disk>>>,
    /// `IMAGE#pN`: what names on the volume are reported below.
    root: PathBuf,
    /// The Windows folder, as stored.
    windows: String,
    /// Files found by `resolve`, by the name reported, for `measure`.
    found: HashMap<PathBuf, u64>,
}

impl ImageVolume {
    pub fn new(volume: NtfsVolume<Window<Box<dyn Disk>>>, root: PathBuf, windows: String) -> Self {
        Self {
            volume,
            root,
            windows,
            found: HashMap::new(),
        }
    }

    /// Check the DLLs `catalogs` name; `system_drive` is the letter the installation had for
    /// its own volume.
    pub fn check_dlls(&mut self, catalogs: &ControlSetCatalogs, system_drive: char) -> DllReport {
        let layout = SystemLayout {
            system_drive,
            windows_folder: self.windows.clone(),
        };
        check_dlls(catalogs, self, &layout)
    }

    fn name(&self, names: &[String]) -> PathBuf {
        name_below(&self.root, names)
    }
}

impl DllVolume for ImageVolume {
    fn root_path(&self) -> PathBuf {
        self.root.clone()
    }

    fn resolve(&mut self, components: &[String]) -> Confined {
        let path: Vec<&str> = components.iter().map(String::as_str).collect();
        match self.volume.find(&path) {
            Ok(Lookup::Found {
                record,
                directory: false,
                names,
            }) => {
                let path = self.name(&names);
                self.found.insert(path.clone(), record);
                Confined::File { path }
            }
            Ok(Lookup::Found { names, .. }) => Confined::NotAFile {
                path: self.name(&names),
            },
            Ok(Lookup::Missing { found, missing }) => Confined::Missing {
                folder: self.name(&found),
                missing,
            },
            Ok(Lookup::NotFollowed { reason }) => Confined::Outside { reason },
            Err(e) => Confined::Unreadable {
                path: self.name(&[]),
                error: e.to_string(),
            },
        }
    }

    fn measure(&mut self, path: &Path) -> io::Result<FileFacts> {
        let record =
            self.found.get(path).copied().ok_or_else(|| {
                io::Error::new(io::ErrorKind::NotFound, "not found on the volume")
            })?;
        self.volume
            .with_data(record, |reader, len| measure(reader, len))
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?
    }
}

/// `names` (as stored) below the partition `root`; the root itself when there are none.
pub fn name_below(root: &Path, names: &[String]) -> PathBuf {
    if names.is_empty() {
        return root.to_path_buf();
    }
    PathBuf::from(format!("{}/{}", root.display(), names.join("/")))
}
