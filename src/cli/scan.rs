//! `winsock-doctor scan`: read a hive, diagnose it, print the report. Exit 0 when healthy, 1
//! when problems were found (2, from `main`, when the input cannot be read). Several hives go
//! to [`crate::cli::scan_batch`], which runs [`scan_target`] for each.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::args::ScanArgs;
use crate::cli::check::open_and_check;
use crate::cli::print_dirty_notice;
use crate::cli::scan_batch;
use crate::error::{Error, Result};
use crate::hive::image::InputFile;
use crate::input::{LogOptions, OpenedHive};
use crate::report::scan_json::ScanDocument;
use crate::report::scan_table::{self, Colour};
use crate::volume::findings::dll_findings;
use crate::volume::target::Target;
use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::hive_structure::hive_structure;
use crate::winsock::scan::{Scan, scan};
use crate::winsock::windows_version::{
    SoftwareVersionFacts, SystemVersionFacts, WindowsVersion, detect, read_software_facts,
    read_system_facts,
};

/// Everything the scan of one hive produced.
pub struct HiveScan {
    pub hive: OpenedHive,
    /// The SOFTWARE hive read for the exact version, if any.
    pub software: Option<InputFile>,
    pub catalogs: SystemCatalogs,
    pub windows: WindowsVersion,
    /// Why a SOFTWARE hive found beside SYSTEM did not give the exact version.
    pub software_note: Option<String>,
    pub result: Scan,
}

impl HiveScan {
    /// The `scan --json` document.
    pub fn document(&self) -> ScanDocument<'_> {
        ScanDocument::new(
            &self.hive.input,
            self.software.as_ref(),
            self.hive.image.base_block(),
            &self.hive.logs,
            &self.catalogs,
            &self.windows,
            &self.result,
        )
    }
}

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    if args.is_batch() {
        return scan_batch::run(args);
    }
    let Some(target) = args.targets.first() else {
        return Err(Error::Usage("scan needs a TARGET".to_string()));
    };
    let scanned = scan_target(target, args, VolumeChecks::WhenOnAVolume)?;
    if let Some(note) = &scanned.software_note {
        eprintln!("winsock-doctor: {note}");
    }

    let stdout = std::io::stdout();
    let written = if args.json {
        scanned.document().write(stdout.lock())
    } else {
        let hive = &scanned.hive;
        print_dirty_notice(&hive.logs, &hive.input.path);
        let colour = Colour(stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none());
        write!(
            stdout.lock(),
            "{}",
            scan_table::render(
                &hive.input,
                &scanned.catalogs,
                &scanned.windows,
                &scanned.result,
                colour
            )
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(if scanned.result.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Whether the DLLs the catalogs name are checked when the hive lies in a Windows folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VolumeChecks {
    WhenOnAVolume,
    /// Hives found in a collection: the folder around them is what was collected, not a
    /// volume, so DLLs left out of the collection must not read as missing.
    Never,
}

/// Open one TARGET (hive file, Windows folder or volume) and diagnose it: the one per-hive path
/// of single and batch scans.
pub fn scan_target(target: &Path, args: &ScanArgs, volume: VolumeChecks) -> Result<HiveScan> {
    let logs = args.logs.options();
    let target = Target::resolve(target)?;
    let (opened, early) = open_and_check(&target.system_hive, logs);
    let hive = opened?;
    let catalogs = hive.catalogs(args.control_set, args.all_control_sets)?;
    let DetectedWindows {
        windows,
        software,
        software_note,
    } = detect_windows(
        &hive,
        &catalogs,
        args.software.as_deref(),
        target.software_hive.as_deref(),
    )?;
    let mut result = scan(&catalogs, &windows);
    let (structure, finding) = hive_structure(&early.finish(&hive), &catalogs.selected.control_set);
    result.structure = Some(structure);
    if let Some(selected) = result.diagnoses.first_mut() {
        selected.add(finding);
    }
    // On a volume, the DLLs the catalogs name are looked at too.
    let report = match volume {
        VolumeChecks::WhenOnAVolume => target.check_dlls(&catalogs.selected, args.system_drive)?,
        VolumeChecks::Never => None,
    };
    if let Some(report) = report {
        let findings = dll_findings(&report, &catalogs.selected.control_set);
        if let Some(selected) = result.diagnoses.first_mut() {
            selected.add(findings);
        }
    }
    Ok(HiveScan {
        hive,
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
    found_beside: Option<&Path>,
) -> Result<DetectedWindows> {
    let mut software_note = None;
    let software = match (explicit, found_beside) {
        (Some(path), _) => Some(read_software(path)?),
        (None, Some(path)) => match read_software(path) {
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
fn read_software(path: &Path) -> Result<(InputFile, SoftwareVersionFacts)> {
    let opened = OpenedHive::open(path, LogOptions::default())?;
    let facts = opened.read(read_software_facts)?.ok_or_else(|| {
        Error::Usage(format!(
            "{}: not a SOFTWARE hive (no Microsoft\\Windows NT\\CurrentVersion key)",
            path.display()
        ))
    })?;
    Ok((opened.input, facts))
}
