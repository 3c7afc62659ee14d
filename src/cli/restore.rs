//! `winsock-doctor restore`: list the backups of a config folder, or put one back, and print
//! what was found or done.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::cli::args::RestoreArgs;
use crate::error::{Error, Result};
use crate::pipeline::backup_folder::{BackupState, FoundBackup};
use crate::pipeline::backup_manifest::Operation;
use crate::pipeline::restore::{ConfigFolder, Restored, restore};

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

pub fn run(args: &RestoreArgs) -> Result<ExitCode> {
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
        write!(stdout.lock(), "{}", render(&doc, &args.target))
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(ExitCode::SUCCESS)
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

fn render(doc: &RestoreDocument<'_>, target: &Path) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "Config folder: {}", doc.config_folder.folder.display());
    if let Some(r) = doc.restore {
        let verb = if r.dry_run {
            "DRY RUN: would put back"
        } else {
            "RESTORED"
        };
        let _ = writeln!(out, "Result:        {verb} {}", r.backup.display());
        for restored in &r.files {
            let _ = writeln!(
                out,
                "  {} -> {} ({} bytes, sha256 {} checked)",
                restored.file.name,
                restored.to.display(),
                restored.file.size,
                restored.file.sha256
            );
        }
        match &r.replaced_kept_in {
            Some(kept) => {
                let _ = writeln!(out, "Replaced hive and logs kept in: {}", kept.display());
                let _ = writeln!(
                    out,
                    "To undo this restore:\n  {}",
                    undo_command(target, kept)
                );
            }
            None => {
                let _ = writeln!(out, "Nothing was changed.");
            }
        }
        return out;
    }
    if doc.backups.is_empty() {
        let _ = writeln!(out, "No backups here.");
    }
    for backup in doc.backups {
        let _ = writeln!(out, "\n{}", backup.path.display());
        match &backup.state {
            BackupState::Usable { manifest } => {
                let made_by = match manifest.operation {
                    Operation::Install => "repair --install",
                    Operation::Restore => "restore",
                };
                let _ = writeln!(
                    out,
                    "  made by {made_by} on {} with {} {}",
                    manifest.created, manifest.tool.name, manifest.tool.version
                );
                let _ = writeln!(out, "  command: {}", manifest.command_line.join(" "));
                for mode in &manifest.changes.modes {
                    let _ = writeln!(out, "  repair:  {mode}");
                }
                if !manifest.changes.control_sets.is_empty() {
                    let _ = writeln!(
                        out,
                        "  changed: {}",
                        manifest.changes.control_sets.join(", ")
                    );
                }
                for file in &manifest.files {
                    let _ = writeln!(
                        out,
                        "  file:    {} ({} bytes, sha256 {})",
                        file.original, file.size, file.sha256
                    );
                }
                let _ = writeln!(
                    out,
                    "  it replaced them with a hive of sha256 {}",
                    manifest.installed_sha256
                );
            }
            BackupState::Refused { reason } => {
                let _ = writeln!(out, "  NOT USABLE: {reason}");
            }
        }
    }
    out
}
