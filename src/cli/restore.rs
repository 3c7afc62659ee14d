//! `winsock-doctor restore`: list the backups of a config folder, or put one back, and print
//! what was found or done.

use crate::exit::Exit;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::cli::args::RestoreArgs;
use crate::error::{Error, Result};
use crate::pipeline::backup_folder::FoundBackup;
use crate::pipeline::restore::{ConfigFolder, Restored, restore};
use crate::report::restore_table;

/// Version of the JSON document's shape.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct RestoreDocument<'a> {
    format_version: u32,
    config_folder: &'a ConfigFolder,
    /// Newest first.
    backups: &'a [FoundBackup],
    /// `None` with `--list`.
    restore: Option<&'a Restored>,
}

pub fn run(args: &RestoreArgs) -> Result<Exit> {
    let config = ConfigFolder::resolve(&args.target)?;
    let restored = if args.list {
        None
    } else {
        Some(restore(
            &config,
            args.backup.as_deref(),
            args.dry_run,
            std::env::args().collect(),
        )?)
    };
    let backups = config.backups()?;
    let doc = RestoreDocument {
        format_version: FORMAT_VERSION,
        config_folder: &config,
        backups: &backups,
        restore: restored.as_ref(),
    };
    let stdout = std::io::stdout();
    let written = if args.json {
        crate::report::json_document::write_pretty(stdout.lock(), &doc)
    } else {
        let undo = restored
            .as_ref()
            .and_then(|r| r.replaced_kept_in.as_deref())
            .map(|kept| undo_command(&args.target, kept));
        write!(
            stdout.lock(),
            "{}",
            restore_table::render(&config, &backups, restored.as_ref(), undo.as_deref())
        )
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}

/// The command that puts back the backup folder `backup` of the installation `target`: this
/// program as it was started (`E:\winsock-doctor.exe` in WinPE), and `target` as it was given.
pub fn undo_command(target: &Path, backup: &Path) -> String {
    let program = std::env::args_os()
        .next()
        .map_or_else(|| "winsock-doctor".into(), std::path::PathBuf::from);
    format!(
        "{} restore {} --backup {}",
        quoted(&program),
        quoted(target),
        quoted(backup)
    )
}

/// A path as one shell word (cmd and POSIX shells): quoted when it holds a space.
fn quoted(path: &Path) -> String {
    let text = path.display().to_string();
    if text.contains([' ', '\t']) {
        format!("\"{text}\"")
    } else {
        text
    }
}
