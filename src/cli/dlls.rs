//! `winsock-doctor dlls`: check the DLLs the Winsock configuration names, on the volume.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::DllsArgs;
use crate::error::{Error, Result};
use crate::input::LogOptions;
use crate::pipeline::open_target::open_target;
use crate::report::{dll_json::DllDocument, dll_table};
use crate::volume::findings::dll_findings;

pub fn run(args: &DllsArgs) -> Result<Exit> {
    let mut opened = open_target(&args.target, LogOptions::default(), &args.image.options())?;
    let catalogs = opened.hive.catalogs(args.control_set, false)?;
    let Some(report) = opened.check_dlls(&catalogs.selected, args.system_drive)? else {
        return Err(Error::WrongInput {
            path: opened.target.system_hive.clone(),
            reason: "a hive file outside a Windows folder; give the volume or the Windows \
                     folder (the DLLs are looked up around <Windows>\\System32\\config\\SYSTEM)"
                .into(),
        });
    };
    let (target, hive) = (&opened.target, &opened.hive);
    let findings = dll_findings(&report, &catalogs.selected.control_set, None);
    let stdout = std::io::stdout();
    let written = if args.json {
        DllDocument::new(target, hive.input(), &report, &findings).write(stdout.lock())
    } else {
        write!(
            stdout.lock(),
            "{}",
            dll_table::render(target, &report, &findings)
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
