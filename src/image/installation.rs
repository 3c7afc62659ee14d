//! The Windows installations in a disk image, and the files a scan reads from one: the SYSTEM
//! hive with its transaction logs and the SOFTWARE hive, read into memory (hashed as read) and
//! named `IMAGE#pN/Windows/System32/config/SYSTEM`, with the names as stored on the volume.

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, FormatError, Result};
use crate::hive::log::discover::is_log_name;
use crate::hive::read_file::{ReadFile, open_regular};
use crate::hive::value::hex;
use crate::image::disk::{Disk, read_at};
use crate::image::dll_volume::{ImageVolume, name_below};
use crate::image::ntfs_volume::{Lookup, NtfsVolume};
use crate::image::open::{OpenedImage, open_image};
use crate::image::partitions::{Partition, file_system, partitions};
use crate::image::sniff::Container;
use crate::image::window::Window;
use crate::report::json_path;
use crate::volume::target::{CONFIG_FROM_WINDOWS, SOFTWARE_HIVE, SYSTEM_HIVE};

/// What the user asked about an image TARGET.
#[derive(Debug, Clone, Default)]
pub struct ImageOptions {
    /// `--partition N`: the partition holding the Windows to read.
    pub partition: Option<u32>,
    /// `--hash-image`: the sha256 of the image file itself (reads it whole).
    pub hash_image: bool,
}

/// Where in an image the files read came from: what reports name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSource {
    #[serde(serialize_with = "json_path::lossy")]
    pub image: PathBuf,
    pub container: &'static str,
    /// The size of the virtual disk.
    pub disk_size: u64,
    /// With `--hash-image`, every file of the image (each segment of an EWF set), hashed
    /// whole; empty without.
    pub hashed: Vec<HashedFile>,
    pub partition: u32,
    /// The Windows folder on the partition, as stored.
    pub windows: String,
}

/// A file of the image and its own sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedFile {
    #[serde(serialize_with = "json_path::lossy")]
    pub path: PathBuf,
    pub size: u64,
    pub sha256: String,
}

impl ImageSource {
    /// `IMAGE#pN`: how reports name the partition; files on it are `IMAGE#pN/<names>`.
    pub fn root(&self) -> PathBuf {
        partition_root(&self.image, self.partition)
    }

    /// The files of the image: the one given and, for an EWF segment set, the other segments
    /// beside it (same name, extension E02, E03... in any case). None of them may ever be an
    /// output.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.image.clone()];
        if self.container != "E01" {
            return files;
        }
        let (Some(folder), Some(stem)) = (self.image.parent(), self.image.file_stem()) else {
            return files;
        };
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        let Ok(entries) = std::fs::read_dir(folder) else {
            return files;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let segment = path.file_stem() == Some(stem)
                && path
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(is_segment_extension);
            if segment && path != self.image {
                files.push(path);
            }
        }
        files
    }
}

/// `E01`..`E99`, then `EAA`..`ZZZ` as EWF names further segments (any case).
fn is_segment_extension(extension: &str) -> bool {
    let bytes = extension.as_bytes();
    bytes.len() == 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1..].iter().all(u8::is_ascii_alphanumeric)
}

fn partition_root(image: &Path, partition: u32) -> PathBuf {
    PathBuf::from(format!("{}#p{partition}", image.display()))
}

/// One partition of an image, as `discover` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyedPartition {
    #[serde(flatten)]
    pub partition: Partition,
    pub file_system: Option<&'static str>,
    /// The Windows folders holding `System32\config\SYSTEM`.
    pub windows: Vec<String>,
    /// Why the partition could not be searched.
    pub error: Option<String>,
}

/// A disk image as `discover` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SurveyedImage {
    #[serde(serialize_with = "json_path::lossy")]
    pub image: PathBuf,
    pub container: &'static str,
    pub disk_size: u64,
    pub partitions: Vec<SurveyedPartition>,
}

/// Open the image at `path` (stored as `container`) and survey it.
pub fn survey_image(path: &Path, container: Container) -> Result<SurveyedImage> {
    let mut image = open_image(path, container)?;
    let partitions = survey(&mut image)?;
    Ok(SurveyedImage {
        image: path.to_path_buf(),
        container: container.name(),
        disk_size: image.size,
        partitions,
    })
}

/// Every partition of `image` and the Windows installations on its NTFS ones.
pub fn survey(image: &mut OpenedImage) -> Result<Vec<SurveyedPartition>> {
    let path = image.path.clone();
    let found =
        partitions(&mut image.disk).map_err(|e| Error::io(&path, "read the partitions of", e))?;
    Ok(found
        .into_iter()
        .map(|partition| {
            let mut surveyed = SurveyedPartition {
                partition,
                file_system: None,
                windows: Vec::new(),
                error: None,
            };
            if let Err(e) = survey_one(&mut image.disk, &mut surveyed) {
                surveyed.error = Some(e);
            }
            surveyed
        })
        .collect())
}

fn survey_one(
    disk: &mut Box<dyn Disk>,
    surveyed: &mut SurveyedPartition,
) -> std::result::Result<(), String> {
    let partition = &surveyed.partition;
    let mut window =
        Window::new(&mut **disk, partition.start, partition.length).map_err(|e| e.to_string())?;
    let mut boot = [0; 512];
    read_at(&mut window, 0, &mut boot).map_err(|e| e.to_string())?;
    surveyed.file_system = file_system(&boot);
    if surveyed.file_system != Some("NTFS") {
        return Ok(());
    }
    let mut volume = NtfsVolume::open(window).map_err(|e| e.to_string())?;
    let root = volume.list(ROOT_RECORD).map_err(|e| e.to_string())?;
    for entry in root.into_iter().filter(|e| e.directory) {
        let path = [
            entry.name.as_str(),
            CONFIG_FROM_WINDOWS[0],
            CONFIG_FROM_WINDOWS[1],
            SYSTEM_HIVE,
        ];
        if let Ok(Lookup::Found {
            directory: false, ..
        }) = volume.find(&path)
        {
            surveyed.windows.push(entry.name);
        }
    }
    Ok(())
}

/// The root directory's file record number on every NTFS volume.
const ROOT_RECORD: u64 = 5;

/// The files of one installation, read from the image.
pub struct ImageFiles {
    pub source: ImageSource,
    pub system: ReadFile,
    pub logs: Vec<ReadFile>,
    pub software: Option<ReadFile>,
    /// The partition, still open, for the DLL check.
    pub volume: ImageVolume,
}

/// Read the installation `options` picks in the image at `path` (stored as `container`);
/// logs too unless `no_logs`.
pub fn read_installation(
    path: &Path,
    container: Container,
    options: &ImageOptions,
    no_logs: bool,
) -> Result<ImageFiles> {
    let mut image = open_image(path, container)?;
    let surveyed = survey(&mut image)?;
    let candidates: Vec<(&SurveyedPartition, &String)> = surveyed
        .iter()
        .filter(|s| options.partition.is_none_or(|n| n == s.partition.number))
        .flat_map(|s| s.windows.iter().map(move |w| (s, w)))
        .collect();
    let (partition, windows) = match candidates.as_slice() {
        [one] => (one.0.partition.clone(), one.1.clone()),
        [] => {
            return Err(no_installation(path, &surveyed, options.partition));
        }
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|(s, w)| format!("partition {} ({w})", s.partition.number))
                .collect();
            return Err(Error::SeveralInstallations {
                path: path.to_path_buf(),
                how: " with --partition N",
                choices: listed,
            });
        }
    };
    let root = partition_root(path, partition.number);
    let name = |names: &[String]| name_below(&root, names);
    let disk_size = image.size;
    let window = Window::new(image.disk, partition.start, partition.length)
        .map_err(|e| Error::io(path, "read the partition of", e))?;
    let mut volume = NtfsVolume::open(window).map_err(|e| Error::format(name(&[]), e))?;
    let config = [
        windows.as_str(),
        CONFIG_FROM_WINDOWS[0],
        CONFIG_FROM_WINDOWS[1],
    ];
    let lookup = |volume: &mut NtfsVolume<_>, file: &str| -> Result<Option<(u64, Vec<String>)>> {
        let path: Vec<&str> = config.iter().copied().chain([file]).collect();
        match volume
            .find(&path)
            .map_err(|e| Error::format(name(&[]), e))?
        {
            Lookup::Found {
                record,
                directory: false,
                names,
            } => Ok(Some((record, names))),
            Lookup::Found { .. } | Lookup::Missing { .. } => Ok(None),
            Lookup::NotFollowed { reason } => Err(Error::OutsideVolume {
                path: name(&[]),
                reason,
            }),
        }
    };
    let Some((system_record, system_names)) = lookup(&mut volume, SYSTEM_HIVE)? else {
        return Err(no_installation(path, &surveyed, options.partition));
    };
    let system = volume.read_file(system_record, &name(&system_names))?;
    let mut logs = Vec::new();
    if !no_logs {
        let Some((config_record, config_names)) =
            find_dir(&mut volume, &config).map_err(|e| Error::format(name(&[]), e))?
        else {
            return Err(no_installation(path, &surveyed, options.partition));
        };
        let stored_hive = system_names.last().cloned().unwrap_or_default();
        let mut entries = volume
            .list(config_record)
            .map_err(|e| Error::format(name(&config_names), e))?;
        entries.retain(|e| !e.directory && is_log_name(&stored_hive, &e.name));
        entries.sort_by_cached_key(|e| (e.name.to_ascii_lowercase(), e.name.clone()));
        for entry in entries {
            let names: Vec<String> = config_names.iter().cloned().chain([entry.name]).collect();
            logs.push(volume.read_file(entry.record, &name(&names))?);
        }
    }
    let software = match lookup(&mut volume, SOFTWARE_HIVE)? {
        Some((record, names)) => Some(volume.read_file(record, &name(&names))?),
        None => None,
    };
    let mut source = ImageSource {
        image: path.to_path_buf(),
        container: container.name(),
        disk_size,
        hashed: Vec::new(),
        partition: partition.number,
        windows: windows.clone(),
    };
    if options.hash_image {
        let mut files = source.files();
        files[1..].sort();
        source.hashed = files
            .into_iter()
            .map(hash_file)
            .collect::<Result<Vec<_>>>()?;
    }
    Ok(ImageFiles {
        source,
        system,
        logs,
        software,
        volume: ImageVolume::new(volume, root, windows),
    })
}

fn find_dir<D: Read + std::io::Seek>(
    volume: &mut NtfsVolume<D>,
    path: &[&str],
) -> std::result::Result<Option<(u64, Vec<String>)>, FormatError> {
    Ok(match volume.find(path)? {
        Lookup::Found {
            record,
            directory: true,
            names,
        } => Some((record, names)),
        _ => None,
    })
}

/// Why there is nothing to read, with what the image holds.
fn no_installation(path: &Path, surveyed: &[SurveyedPartition], partition: Option<u32>) -> Error {
    let listed: Vec<String> = surveyed
        .iter()
        .map(|s| {
            format!(
                "partition {} ({}{})",
                s.partition.number,
                s.file_system.unwrap_or("unknown file system"),
                s.error
                    .as_deref()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    let which = partition
        .map(|n| format!(" on partition {n}"))
        .unwrap_or_default();
    let holds = if listed.is_empty() {
        "no partition".to_string()
    } else {
        listed.join(", ")
    };
    Error::NoInstallation {
        path: path.to_path_buf(),
        detail: format!(
            "no Windows installation (Windows\\System32\\config\\SYSTEM on an NTFS volume)\
             {which} in this image; it holds: {holds}"
        ),
    }
}

/// The sha256 of the file at `path`, read whole.
fn hash_file(path: PathBuf) -> Result<HashedFile> {
    let mut file = open_regular(&path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 20];
    let mut size = 0u64;
    loop {
        let read = file
            .read(&mut buffer)
            .map_err(|e| Error::io(&path, "hash", e))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size = size.saturating_add(read as u64);
    }
    Ok(HashedFile {
        path,
        size,
        sha256: hex(&hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_segment_of_an_ewf_set_is_a_file_of_the_image() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "case.E01",
            "case.e02",
            "case.EAA",
            "case.hive",
            "case.E1",
            "other.E02",
        ] {
            std::fs::write(dir.path().join(name), b"").unwrap();
        }
        let source = |container| ImageSource {
            image: dir.path().join("case.E01"),
            container,
            disk_size: 0,
            hashed: Vec::new(),
            partition: 1,
            windows: "Windows".into(),
        };
        let mut files = source("E01").files();
        files.sort();
        let names: Vec<_> = files.iter().map(|f| f.file_name().unwrap()).collect();
        assert_eq!(names, ["case.E01", "case.EAA", "case.e02"]);
        assert_eq!(source("VHD").files().len(), 1);
    }
}
