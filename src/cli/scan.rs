//! `winsock-doctor scan`: read a hive, diagnose it, print the report. Exit 0 when healthy, 1
//! when problems were found (2, from `main`, when the input cannot be read).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::cli::args::ScanArgs;
use crate::error::{Error, Result};
use crate::hive::image::InputFile;
use crate::input::{LogOptions, OpenedHive};
use crate::report::scan_json::ScanDocument;
use crate::report::scan_table::{self, Colour};
use crate::volume::findings::dll_findings;
use crate::volume::target::Target;
use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::scan::scan;
use crate::winsock::windows_version::{
    SoftwareVersionFacts, SystemVersionFacts, WindowsVersion, detect, read_software_facts,
    read_system_facts,
};

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let logs = LogOptions {
        no_logs: args.no_logs,
        logs: args.log.clone(),
    };
    let target = Target::resolve(&args.target)?;
    let hive = OpenedHive::open(&target.system_hive, logs)?;
    let catalogs = hive.catalogs(args.control_set, args.all_control_sets)?;
    let (windows, software) = detect_windows(
        &hive,
        &catalogs,
        args.software.as_deref(),
        target.software_hive.as_deref(),
    )?;
    let base = hive.image.base_block();
    let mut result = scan(&catalogs, &windows);
    // On a volume, the DLLs the catalogs name are looked at too.
    if let Some(report) = target.check_dlls(&catalogs.selected, args.system_drive)? {
        let findings = dll_findings(&report, &catalogs.selected.control_set);
        if let Some(selected) = result.diagnoses.first_mut() {
            selected.add(findings);
        }
    }

    let stdout = std::io::stdout();
    let written = if args.json {
        ScanDocument::new(
            &hive.input,
            software.as_ref(),
            base,
            &hive.logs,
            &catalogs,
            &windows,
            &result,
        )
        .write(stdout.lock())
    } else {
        if let Some(notice) = hive.logs.dirty_notice(&hive.input.path) {
            eprintln!("winsock-doctor: {notice}");
        }
        let colour = Colour(stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none());
        write!(
            stdout.lock(),
            "{}",
            scan_table::render(&hive.input, &catalogs, &windows, &result, colour)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(if result.healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The Windows version of `hive`, exact with a SOFTWARE hive: `explicit` (`--software`, whose
/// failure is an error) or else one `found_beside` SYSTEM on a volume (whose failure only costs
/// the exact version). The SOFTWARE hive read is returned too.
pub fn detect_windows(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    explicit: Option<&Path>,
    found_beside: Option<&Path>,
) -> Result<(WindowsVersion, Option<InputFile>)> {
    let software = match (explicit, found_beside) {
        (Some(path), _) => Some(read_software(path)?),
        (None, Some(path)) => match read_software(path) {
            Ok(software) => Some(software),
            Err(e) => {
                eprintln!("winsock-doctor: note: the Windows version is inferred: {e}");
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
    Ok((windows, software.map(|(input, _)| input)))
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
