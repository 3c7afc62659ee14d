//! The scan pipeline: open one target (hive file, Windows folder or volume), read its catalogs,
//! learn the Windows version, diagnose, and on a volume check the provider DLLs.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::check::check_hive;
use crate::hive::image::InputFile;
use crate::image::installation::{ImageOptions, ImageSource};
use crate::input::{LogOptions, OpenedHive};
use crate::pipeline::open_target::{Software, open_target};
use crate::report::scan_json::ScanDocument;
use crate::volume::findings::dll_findings;
use crate::volume::target::Target;
use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::findings::Finding;
use crate::winsock::hive_structure::hive_structure;
use crate::winsock::scan::{Scan, scan};
use crate::winsock::what_to_run::{Destination, WhatToRun, remove_lsp_command, what_to_run};
use crate::winsock::windows_version::{
    SoftwareVersionFacts, SystemVersionFacts, WindowsVersion, detect, read_software_facts,
    read_system_facts,
};

/// Whether the DLLs the catalogs name are checked when the hive lies in a Windows folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeChecks {
    /// When the hive lies in a Windows folder on a volume (or in a disk image).
    WhenOnAVolume,
    /// Hives found in a collection: the folder around them is what was collected, not a
    /// volume, so DLLs left out of the collection must not read as missing.
    Never,
}

/// What to scan in a target, and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Whether and which transaction logs are replayed.
    pub logs: LogOptions,
    /// Scan this control set instead of `Select\Current`.
    pub control_set: Option<u32>,
    /// Scan every other control set too.
    pub all_control_sets: bool,
    /// The SOFTWARE hive of the same machine, for the exact Windows version.
    pub software: Option<PathBuf>,
    /// The drive letter the installation had for its own volume (for the DLL checks).
    pub system_drive: char,
    /// Whether the DLLs the catalogs name are checked on the volume.
    pub volume_checks: VolumeChecks,
    /// How a disk image TARGET is read.
    pub image: ImageOptions,
}

impl Default for ScanOptions {
    /// The selected control set, logs beside the hive replayed, DLLs checked on a `C:` volume.
    fn default() -> Self {
        Self {
            logs: LogOptions::default(),
            control_set: None,
            all_control_sets: false,
            software: None,
            system_drive: 'C',
            volume_checks: VolumeChecks::WhenOnAVolume,
            image: ImageOptions::default(),
        }
    }
}

/// Everything the scan of one hive produced.
pub struct HiveScan {
    /// The Windows folder or volume TARGET resolved to; `None` for a disk image or a hive
    /// opened from bytes.
    pub target: Option<Target>,
    /// The SYSTEM hive scanned, its logs replayed.
    pub hive: OpenedHive,
    /// The SOFTWARE hive read for the exact version, if any.
    pub software: Option<InputFile>,
    /// The catalogs of the control sets scanned.
    pub catalogs: SystemCatalogs,
    /// The Windows version, exact or inferred, with the evidence.
    pub windows: WindowsVersion,
    /// Why a SOFTWARE hive found beside SYSTEM did not give the exact version.
    pub software_note: Option<String>,
    /// The diagnosis of each control set scanned.
    pub result: Scan,
    /// Where in a disk image the hive was read, for an image TARGET.
    pub image: Option<ImageSource>,
    /// TARGET as given, when it is a volume or lies in a Windows folder: a repair can go back
    /// into the installation (`--install`).
    pub install_target: Option<PathBuf>,
}

impl HiveScan {
    /// Every finding of every control set scanned, the selected one first.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.result.diagnoses.iter().flat_map(|d| &d.findings)
    }

    /// What to run to repair it: into the installation when it is one, else into a copy.
    pub fn what_to_run(&self) -> WhatToRun {
        let problems: Vec<&Finding> = self.findings().filter(|f| f.is_problem()).collect();
        let (target, destination) = self.repair_target();
        what_to_run(&problems, &self.windows, &target, destination)
    }

    /// The command that removes the layered providers, and only them.
    pub fn remove_lsp_command(&self) -> String {
        let (target, destination) = self.repair_target();
        remove_lsp_command(&target, destination)
    }

    /// TARGET as a repair is to be given it, and where that repair writes: back into the
    /// installation on a volume; a copy from the image's partition (a path inside an image is
    /// not a file a command can open), or from the hive file.
    fn repair_target(&self) -> (String, Destination) {
        if let Some(given) = &self.install_target {
            return (typed(given), Destination::Install);
        }
        match &self.image {
            Some(image) => (
                format!("{} --partition {}", typed(&image.image), image.partition),
                Destination::Copy,
            ),
            None => (typed(self.hive.path()), Destination::Copy),
        }
    }

    /// The `scan --json` document.
    pub fn document(&self) -> ScanDocument<'_> {
        let mut document = ScanDocument::new(
            self.hive.input(),
            self.software.as_ref(),
            self.hive.image.base_block(),
            &self.hive.logs,
            &self.catalogs,
            &self.windows,
            &self.result,
        );
        document.image = self.image.as_ref();
        document.what_to_run = self.what_to_run();
        document
    }
}

/// Open one TARGET (hive file, Windows folder, volume or disk image) and diagnose it: the one
/// per-hive path of single and batch scans.
pub fn scan_target(target: &Path, options: &ScanOptions) -> Result<HiveScan> {
    let mut opened = open_target(target, options.logs.clone(), &options.image)?;
    let software_beside = opened.software_beside.take();
    let mut diagnosed = diagnose_hive(&opened.hive, options, software_beside)?;
    // On a volume (mounted or in an image), the DLLs the catalogs name are looked at too.
    let report = match options.volume_checks {
        VolumeChecks::WhenOnAVolume => {
            opened.check_dlls(&diagnosed.catalogs.selected, options.system_drive)?
        }
        VolumeChecks::Never => None,
    };
    if let Some(report) = report {
        let findings = dll_findings(
            &report,
            &diagnosed.catalogs.selected.control_set,
            Some(&diagnosed.windows),
        );
        if let Some(selected) = diagnosed.result.diagnoses.first_mut() {
            selected.add(findings);
        }
    }
    // A repair goes back into an installation on a volume of the file system, never into an
    // image; history, too, is looked for on the file system only.
    let on_a_volume = opened.image.is_none() && opened.target.windows_dir.is_some();
    let install_target = on_a_volume.then(|| target.to_path_buf());
    let target = opened.image.is_none().then_some(opened.target);
    let mut scan = diagnosed.into_scan(opened.hive, target, opened.image);
    scan.install_target = install_target;
    Ok(scan)
}

/// Diagnose a hive already open (from a file, or from bytes with [`OpenedHive::from_bytes`]):
/// its catalogs, Windows version, findings and structure. `software_beside` is a SOFTWARE hive
/// found beside it; nothing around the hive is looked at.
pub fn scan_hive(
    hive: OpenedHive,
    options: &ScanOptions,
    software_beside: Option<Software>,
) -> Result<HiveScan> {
    let diagnosed = diagnose_hive(&hive, options, software_beside)?;
    Ok(diagnosed.into_scan(hive, None, None))
}

/// What a scan found in the hive itself.
struct Diagnosed {
    software: Option<InputFile>,
    catalogs: SystemCatalogs,
    windows: WindowsVersion,
    software_note: Option<String>,
    result: Scan,
}

impl Diagnosed {
    fn into_scan(
        self,
        hive: OpenedHive,
        target: Option<Target>,
        image: Option<ImageSource>,
    ) -> HiveScan {
        HiveScan {
            target,
            hive,
            software: self.software,
            catalogs: self.catalogs,
            windows: self.windows,
            software_note: self.software_note,
            result: self.result,
            image,
            install_target: None,
        }
    }
}

fn diagnose_hive(
    hive: &OpenedHive,
    options: &ScanOptions,
    software_beside: Option<Software>,
) -> Result<Diagnosed> {
    let catalogs = hive.catalogs(options.control_set, options.all_control_sets)?;
    let DetectedWindows {
        windows,
        software,
        software_note,
    } = detect_windows(
        hive,
        &catalogs,
        options.software.as_deref(),
        software_beside,
    )?;
    let mut result = scan(&catalogs, &windows);
    let (structure, finding) = hive_structure(
        &check_hive(hive.image.hive_bytes()),
        &catalogs.selected.control_set,
    );
    result.structure = Some(structure);
    if let Some(selected) = result.diagnoses.first_mut() {
        selected.add(finding);
    }
    Ok(Diagnosed {
        software,
        catalogs,
        windows,
        software_note,
        result,
    })
}

/// The Windows version of a hive and where it came from.
pub struct DetectedWindows {
    pub windows: WindowsVersion,
    /// The SOFTWARE hive read for the exact version, if any.
    pub software: Option<InputFile>,
    /// Why a SOFTWARE hive found beside SYSTEM could not be used: the version is inferred.
    pub software_note: Option<String>,
}

/// The Windows version of `hive`, exact with a SOFTWARE hive: `explicit` (`--software`, whose
/// failure is an error) or else one `found_beside` SYSTEM on a volume (whose failure only costs
/// the exact version, and is said in the note). Prints nothing: batch workers call it too.
pub fn detect_windows(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    explicit: Option<&Path>,
    found_beside: Option<Software>,
) -> Result<DetectedWindows> {
    let mut software_note = None;
    let software = match (explicit, found_beside) {
        (Some(path), _) => Some(read_software(Software::File(path.to_path_buf()))?),
        (None, Some(beside)) => match read_software(beside) {
            Ok(software) => Some(software),
            Err(e) => {
                software_note = Some(format!("note: the Windows version is inferred: {e}"));
                None
            }
        },
        (None, None) => None,
    };
    // A damaged Control key must not stop the diagnosis: the version is then inferred from
    // the catalogs alone.
    let system_facts = hive
        .read(|reader| read_system_facts(reader, &catalogs.selected.control_set))
        .unwrap_or_else(|_| SystemVersionFacts::default());
    let windows = detect(
        &system_facts,
        &catalogs.selected,
        hive.image.base_block().minor_version,
        software.as_ref().map(|(_, facts)| facts),
    );
    Ok(DetectedWindows {
        windows,
        software: software.map(|(input, _)| input),
        software_note,
    })
}

/// The SOFTWARE hive's description and version facts.
fn read_software(software: Software) -> Result<(InputFile, SoftwareVersionFacts)> {
    let path = software.path().to_path_buf();
    if let Software::File(path) = &software {
        if path.is_dir() {
            return Err(Error::WrongInput {
                path: path.clone(),
                reason: "a folder, not a regular file: --software takes the SOFTWARE hive file \
                         (<Windows>\\System32\\config\\SOFTWARE), and a volume or Windows \
                         folder given as TARGET finds it by itself"
                    .into(),
            });
        }
    }
    let opened = software.open()?;
    let facts = opened
        .read(read_software_facts)?
        .ok_or_else(|| Error::WrongInput {
            path,
            reason: "not a SOFTWARE hive (no Microsoft\\Windows NT\\CurrentVersion key)".into(),
        })?;
    Ok((opened.input().clone(), facts))
}

/// A path as it is typed in a command line: quoted when it holds a space or a shell character.
fn typed(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = text
        .chars()
        .all(|c| c.is_alphanumeric() || "/\\:._-+,=@%".contains(c));
    if plain { text } else { format!("\"{text}\"") }
}
