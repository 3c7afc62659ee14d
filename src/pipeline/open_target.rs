//! Opening a TARGET for reading, whatever it is: a hive file, a Windows folder or volume
//! ([`Target::resolve`]), or a disk image (recognised by content), whose files are read out of
//! the image into memory and then go through the same pipelines as files would.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::read_file::ReadFile;
use crate::image::dll_volume::ImageVolume;
use crate::image::installation::{ImageOptions, ImageSource, read_installation};
use crate::image::open::image_container;
use crate::image::sniff::Container;
use crate::input::{LogOptions, OpenedHive};
use crate::volume::dll_check::DllReport;
use crate::volume::target::Target;
use crate::winsock::catalog::ControlSetCatalogs;

/// A SOFTWARE hive found beside SYSTEM: a file, or already read out of an image.
pub enum Software {
    File(PathBuf),
    Read(ReadFile),
}

impl Software {
    /// Open it (without logs: only its version facts are read).
    pub fn open(self) -> Result<OpenedHive> {
        match self {
            Software::File(path) => OpenedHive::open(&path, LogOptions::default()),
            Software::Read(read) => OpenedHive::from_files(read, Vec::new(), LogOptions::default()),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Software::File(path) => path,
            Software::Read(read) => read.path(),
        }
    }
}

/// A TARGET opened for reading.
pub struct OpenedTarget {
    pub target: Target,
    pub hive: OpenedHive,
    pub software_beside: Option<Software>,
    /// Where in a disk image the files came from; `None` for files.
    pub image: Option<ImageSource>,
    /// The image's partition, open for the DLL check.
    image_volume: Option<ImageVolume>,
}

impl OpenedTarget {
    /// Look on the volume (mounted, or in the image) for the DLLs `catalogs` name; `None` for
    /// a hive file outside a Windows folder. `system_drive` is the letter the installation had
    /// for its own volume.
    pub fn check_dlls(
        &mut self,
        catalogs: &ControlSetCatalogs,
        system_drive: char,
    ) -> Result<Option<DllReport>> {
        match &mut self.image_volume {
            Some(volume) => Ok(Some(volume.check_dlls(catalogs, system_drive))),
            None => self.target.check_dlls(catalogs, system_drive),
        }
    }
}

/// Open `target` and its SYSTEM hive (with its logs as `logs` says).
pub fn open_target(target: &Path, logs: LogOptions, image: &ImageOptions) -> Result<OpenedTarget> {
    if let Some(container) = image_container(target) {
        return open_image(target, container, logs, image);
    }
    refuse_image_options(target, image)?;
    let target = Target::resolve(target)?;
    let hive = OpenedHive::open(&target.system_hive, logs)?;
    let software_beside = target.software_hive.clone().map(Software::File);
    Ok(OpenedTarget {
        target,
        hive,
        software_beside,
        image: None,
        image_volume: None,
    })
}

/// Open a HIVE argument (`replay`): the hive file itself, or the SYSTEM hive of the
/// installation in a disk image.
pub fn open_hive(hive: &Path, logs: LogOptions, image: &ImageOptions) -> Result<OpenedHive> {
    if let Some(container) = image_container(hive) {
        return Ok(open_image(hive, container, logs, image)?.hive);
    }
    refuse_image_options(hive, image)?;
    OpenedHive::open(hive, logs)
}

fn refuse_image_options(target: &Path, image: &ImageOptions) -> Result<()> {
    if image.partition.is_some() || image.hash_image {
        return Err(Error::Usage(format!(
            "{}: --partition and --hash-image are for disk images (raw, E01, VHD, VHDX, VMDK); \
             this is not one",
            target.display()
        )));
    }
    Ok(())
}

/// The installation in the image at `target`, stored as `container`.
fn open_image(
    target: &Path,
    container: Container,
    logs: LogOptions,
    image: &ImageOptions,
) -> Result<OpenedTarget> {
    // Logs named with --log replace the ones beside the hive: those are not read.
    let skip_logs_beside = logs.no_logs || !logs.logs.is_empty();
    let files = read_installation(target, container, image, skip_logs_beside)?;
    let log_files = if logs.logs.is_empty() {
        files.logs
    } else {
        logs.logs
            .iter()
            .map(|log| ReadFile::open(log))
            .collect::<Result<_>>()?
    };
    let root = files.source.root();
    let resolved = Target {
        windows_dir: Some(root.join(&files.source.windows)),
        volume_root: Some(root),
        system_hive: files.system.path().to_path_buf(),
        system_logs: log_files
            .iter()
            .map(|log| log.path().to_path_buf())
            .collect(),
        software_hive: files.software.as_ref().map(|s| s.path().to_path_buf()),
    };
    let hive = OpenedHive::from_files(files.system, log_files, logs)?;
    Ok(OpenedTarget {
        target: resolved,
        hive,
        software_beside: files.software.map(Software::Read),
        image: Some(files.source),
        image_volume: Some(files.volume),
    })
}
