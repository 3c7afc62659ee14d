//! `winsock-doctor dlls`: check the DLLs the Winsock configuration names, on the volume.

use std::io::Write;
use std::process::ExitCode;

use crate::cli::args::DllsArgs;
use crate::error::{Error, Result};
use crate::input::{LogOptions, OpenedHive};
use crate::report::{dll_json::DllDocument, dll_table};
use crate::volume::confine::VolumeRoot;
use crate::volume::dll_check::check_dlls;
use crate::volume::findings::dll_findings;
use crate::volume::library_path::SystemLayout;
use crate::volume::target::Target;

pub fn run(args: &DllsArgs) -> Result<ExitCode> {
    let target = Target::resolve(&args.target)?;
    let (Some(windows_dir), Some(volume_root)) = (&target.windows_dir, &target.volume_root) else {
        return Err(Error::Usage(format!(
            "{}: a hive file outside a Windows folder; give the volume or the Windows folder \
             (the DLLs are looked up around <Windows>\\System32\\config\\SYSTEM)",
            target.system_hive.display()
        )));
    };
    let root = VolumeRoot::new(volume_root).map_err(|e| Error::io(volume_root, "resolve", e))?;
    let layout = SystemLayout {
        system_drive: args.system_drive,
        windows_folder: windows_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    let hive = OpenedHive::open(&target.system_hive, LogOptions::default())?;
    let catalogs = hive.catalogs(args.control_set, false)?;
    let report = check_dlls(&catalogs.selected, &root, &layout);
    let findings = dll_findings(&report);
    let stdout = std::io::stdout();
    let written = if args.json {
        DllDocument::new(&target, &hive.input, &report, &findings).write(stdout.lock())
    } else {
        write!(
            stdout.lock(),
            "{}",
            dll_table::render(&target, &report, &findings)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(ExitCode::SUCCESS)
}
