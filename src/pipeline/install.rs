//! `repair --install`: put the repaired hive in place of a mounted installation's SYSTEM, as a
//! transaction (see [`crate::pipeline::transaction`]): SYSTEM and its logs go into a new
//! backup folder with a manifest, checked against the hashes taken when they were read, and
//! `restore` can put them back.

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Result;
use crate::hive::image::sha256_hex;
use crate::input::OpenedHive;
use crate::pipeline::backup_manifest::{
    BackupManifest, Changes, MANIFEST_VERSION, Operation, Tool,
};
use crate::pipeline::transaction::{self, Content, CurrentFile, NewFile, Transaction};
use crate::volume::target::Target;
use crate::winsock::repair::{Mode, RepairOptions, RepairPlan};

/// What an install did.
#[derive(Debug, Clone, Serialize)]
pub struct Installed {
    /// SYSTEM, now the repaired hive.
    pub hive: PathBuf,
    pub sha256: String,
    pub size: u64,
    /// The new backup folder holding the original hive and logs.
    pub backup: PathBuf,
    pub manifest: PathBuf,
    /// Where the old logs are now (in the backup folder).
    pub moved_logs: Vec<PathBuf>,
}

/// Install `repaired` (the bytes of the repaired hive of `hive`) over the target's SYSTEM.
/// `command_line` is recorded in the manifest.
pub fn install(
    target: &Target,
    hive: &OpenedHive,
    repaired: &[u8],
    options: &RepairOptions,
    plans: &[RepairPlan],
    command_line: Vec<String>,
) -> Result<Installed> {
    let system = &target.system_hive;
    let sha256 = sha256_hex(repaired);
    let read_hash = |path: &PathBuf| {
        std::iter::once(hive.input())
            .chain(&hive.logs.files)
            .find(|file| &file.path == path)
            .map(|file| file.sha256.clone())
    };
    let current = std::iter::once(system)
        .chain(&target.system_logs)
        .map(|path| CurrentFile {
            path: path.clone(),
            sha256_when_read: read_hash(path),
        })
        .collect();
    let now = jiff::Timestamp::now();
    let manifest = BackupManifest {
        format_version: MANIFEST_VERSION,
        tool: Tool::this(),
        operation: Operation::Install,
        created: now.to_string(),
        command_line,
        files: Vec::new(),
        installed_sha256: sha256.clone(),
        changes: Changes {
            modes: modes(options),
            control_sets: plans.iter().map(|p| p.control_set.clone()).collect(),
            restored_backup: None,
        },
    };
    let name = system
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let committed = transaction::run(
        Transaction {
            hive: system,
            current,
            new_hive: NewFile {
                name,
                content: Content::Bytes(repaired),
                sha256: sha256.clone(),
            },
            new_logs: Vec::new(),
            manifest,
        },
        now,
    )?;
    Ok(Installed {
        hive: system.clone(),
        sha256,
        size: repaired.len() as u64,
        backup: committed.backup,
        manifest: committed.manifest_path,
        moved_logs: committed.moved_logs,
    })
}

/// The repairs `options` ask for, in the words of the command line.
fn modes(options: &RepairOptions) -> Vec<String> {
    let mut modes = Vec::new();
    match options.mode {
        Some(Mode::Reset) if options.keep_third_party => {
            modes.push("reset --keep-third-party".into())
        }
        Some(mode @ (Mode::Reset | Mode::Fix)) => modes.push(mode.to_string()),
        Some(Mode::RemoveLsp) if options.lsps.is_empty() => modes.push(Mode::RemoveLsp.to_string()),
        Some(Mode::RemoveLsp) => {
            let lsps: Vec<String> = options.lsps.iter().map(ToString::to_string).collect();
            modes.push(format!("remove-lsp {}", lsps.join(", ")));
        }
        Some(Mode::Restore) => match &options.from {
            Some(from) => modes.push(format!("restore --from {from}")),
            None => modes.push(Mode::Restore.to_string()),
        },
        None => {}
    }
    if options.reset_namespace {
        modes.push("reset-namespace".into());
    }
    if options.fix_services {
        modes.push("fix-services".into());
    }
    modes
}
