//! What `restore` found or did, for people: the backups of a config folder with what made
//! each, or the files put back and where the replaced ones were kept.

use std::fmt::Write;

use crate::pipeline::backup_folder::{BackupState, FoundBackup};
use crate::pipeline::backup_manifest::Operation;
use crate::pipeline::restore::{ConfigFolder, Restored};
use crate::report::width::{fit_lines, output_width};

/// The backups of `config` (newest first), or what `restored` put back; `undo` is the command
/// that reverses the restore, kept on one line to be copied whole.
pub fn render(
    config: &ConfigFolder,
    backups: &[FoundBackup],
    restored: Option<&Restored>,
    undo: Option<&str>,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Config folder: {}", config.folder.display());
    if let Some(r) = restored {
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
            }
            None => {
                let _ = writeln!(out, "Nothing was changed.");
            }
        }
        let mut out = fit_lines(&out, output_width());
        if let Some(undo) = undo {
            let _ = writeln!(out, "To undo this restore:\n  {undo}");
        }
        return out;
    }
    if backups.is_empty() {
        let _ = writeln!(out, "No backups here.");
    }
    for backup in backups {
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
    fit_lines(&out, output_width())
}
