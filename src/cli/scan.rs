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
use crate::volume::target::Target;
use crate::winsock::catalog::SystemCatalogs;
use crate::winsock::scan::scan;
use crate::winsock::windows_version::{
    SystemVersionFacts, WindowsVersion, detect, read_software_facts, read_system_facts,
};

pub fn run(args: &ScanArgs) -> Result<ExitCode> {
    let logs = LogOptions {
        no_logs: args.no_logs,
        logs: args.log.clone(),
    };
    let target = Target::resolve(&args.target)?;
    let hive = OpenedHive::open(&target.system_hive, logs)?;
    let catalogs = hive.catalogs(args.control_set, args.all_control_sets)?;
    let (windows, software) = detect_windows(&hive, &catalogs, args.software.as_deref())?;
    let base = hive.image.base_block();
    let result = scan(&catalogs, &windows);

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

/// The Windows version of `hive`, exact when the SOFTWARE hive is given (returned too).
pub fn detect_windows(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    software_path: Option<&Path>,
) -> Result<(WindowsVersion, Option<InputFile>)> {
    let software = match software_path {
        Some(path) => {
            let opened = OpenedHive::open(path, LogOptions::default())?;
            let facts = opened.read(read_software_facts)?.ok_or_else(|| {
                Error::Usage(format!(
                    "{}: not a SOFTWARE hive (no Microsoft\\Windows NT\\CurrentVersion key)",
                    path.display()
                ))
            })?;
            Some((opened.input, facts))
        }
        None => None,
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
