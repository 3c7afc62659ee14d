//! Opening an image file: recognise its container by content and give its virtual disk.

use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::read_file::open_regular;
use crate::image::disk::Disk;
use crate::image::sniff::{Container, HEAD, TAIL, sniff};
use crate::image::{ewf, vhd, vhdx, vmdk_flat, vmdk_sparse};

/// An image file and its virtual disk.
pub struct OpenedImage {
    pub path: PathBuf,
    pub container: Container,
    pub disk: Box<dyn Disk>,
    pub size: u64,
}

/// The container of the file at `path`, `None` when it is not an image (directories, hives,
/// anything else); only regular files are looked at.
pub fn image_container(path: &Path) -> Option<Container> {
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let mut file = open_regular(path).ok()?;
    let len = file.seek(SeekFrom::End(0)).ok()?;
    let mut head = Vec::new();
    file.seek(SeekFrom::Start(0)).ok()?;
    (&mut file).take(HEAD as u64).read_to_end(&mut head).ok()?;
    let mut tail = Vec::new();
    file.seek(SeekFrom::Start(len.saturating_sub(TAIL as u64)))
        .ok()?;
    file.take(TAIL as u64).read_to_end(&mut tail).ok()?;
    sniff(&head, &tail)
}

/// Open the image at `path`, stored as `container`.
pub fn open_image(path: &Path, container: Container) -> Result<OpenedImage> {
    let fail = |e: io::Error| Error::io(path, "read the disk image", e);
    let mut disk = match container {
        Container::Ewf => ewf::open(path).map_err(fail)?,
        Container::VmdkDescriptor => vmdk_flat::open(path).map_err(fail)?,
        _ => open_container(container, open_regular(path)?).map_err(fail)?,
    };
    let size = disk.seek(SeekFrom::End(0)).map_err(fail)?;
    Ok(OpenedImage {
        path: path.to_path_buf(),
        container,
        disk,
        size,
    })
}

/// The virtual disk of a one-file container held by `file`.
pub fn open_container<F: Disk + 'static>(
    container: Container,
    file: F,
) -> io::Result<Box<dyn Disk>> {
    match container {
        Container::Raw => Ok(Box::new(file)),
        Container::Vhd => vhd::open(file),
        Container::Vhdx => vhdx::open(file),
        Container::VmdkSparse => vmdk_sparse::open(file),
        Container::Ewf | Container::VmdkDescriptor => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this container is opened by its path",
        )),
    }
}
