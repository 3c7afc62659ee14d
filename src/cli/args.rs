//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::{Error, Result};
use crate::hive::filetime::{filetime_from_rfc3339, filetime_now};
use crate::hive::write_file::write_new_file;
use crate::image::installation::ImageOptions;
use crate::input::LogOptions;
use crate::pipeline::open_target::{OpenedTarget, open_target};
use crate::pipeline::repair::RepairRequest;
use crate::pipeline::scan::{ScanOptions, VolumeChecks};
use crate::winsock::family::{Arch, Family};
use crate::winsock::repair::{LspSelector, Mode, RepairOptions, RestoreFrom};

#[derive(Debug, Parser)]
#[command(
    name = "winsock-doctor",
    version,
    about = "Read, diagnose and repair the Winsock catalogs of an offline Windows SYSTEM hive",
    after_help = "Exit codes: 0 success, 1 problems found (scan, check), 2 error or refusal (the \
                  message names the file and, for damaged bytes, the offset, or what to do \
                  instead), 3 repair: the repaired copy failed its check, so nothing was \
                  written.\nThe input hive is only ever read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// How a hive's transaction logs are found: every command that reads a hive takes these.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Read the primary file as it is, ignoring transaction logs
    #[arg(long, conflicts_with = "log")]
    pub no_logs: bool,

    /// A transaction log to use (repeatable) instead of the ones found next to TARGET
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
}

impl LogArgs {
    pub fn options(&self) -> LogOptions {
        LogOptions {
            no_logs: self.no_logs,
            logs: self.log.clone(),
        }
    }
}

/// How a disk image TARGET is read: every command that reads a TARGET takes these.
#[derive(Debug, Args, Default)]
pub struct ImageArgs {
    /// In a disk image: the partition holding the Windows to read (as `discover IMAGE` numbers
    /// them)
    #[arg(long, value_name = "N")]
    pub partition: Option<u32>,

    /// In a disk image: also report the image file's own sha256 (reads it whole)
    #[arg(long)]
    pub hash_image: bool,
}

impl ImageArgs {
    pub fn options(&self) -> ImageOptions {
        ImageOptions {
            partition: self.partition,
            hash_image: self.hash_image,
        }
    }
}

/// How a hive is read: which control set, its transaction logs and, in a disk image, the
/// partition.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// Read ControlSetNNN with this number instead of Select\Current
    #[arg(long, value_name = "N")]
    pub control_set: Option<u32>,

    #[command(flatten)]
    pub logs: LogArgs,

    #[command(flatten)]
    pub image: ImageArgs,
}

/// The one hive a command reads: TARGET, and how it is read.
#[derive(Debug, Args)]
pub struct HiveArgs {
    /// The SYSTEM hive file, a Windows folder, or a volume (mount point, or on Windows a drive
    /// letter such as D:) holding one; opened read-only
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    #[command(flatten)]
    pub read: ReadArgs,
}

impl HiveArgs {
    pub fn open(&self) -> Result<OpenedTarget> {
        open_target(
            &self.target,
            self.read.logs.options(),
            &self.read.image.options(),
        )
    }
}

/// Where a command writes the one file it makes.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Where to write the hive (a new file)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Replace an existing output file (never an input or its logs)
    #[arg(long)]
    pub force: bool,
}

impl WriteArgs {
    /// Write `bytes` to `--out` (never over one of `inputs`); its sha256.
    pub fn write(&self, bytes: &[u8], inputs: &[PathBuf]) -> Result<String> {
        write_new_file(&self.out, bytes, inputs, self.force)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show both Winsock catalogs (protocol and namespace), transports and AFD of a SYSTEM hive
    Catalog(CatalogArgs),
    /// Check a hive's whole structure (bins, cells, keys, lists, values, security): whole,
    /// damaged (each problem with its offset and key), or unreadable
    Check(CheckArgs),
    /// Find the Windows installations on mounted volumes (with no ROOT on Windows: every drive)
    Discover(DiscoverArgs),
    /// Check the DLLs the Winsock configuration names, on the volume: present, size, SHA-256,
    /// version resource
    Dlls(DllsArgs),
    /// Diagnose Winsock corruption and layered service providers (LSPs) in SYSTEM hives, one or
    /// a whole collection
    Scan(ScanArgs),
    /// When each Winsock key was last written (CSV for Timesketch, or a mactime bodyfile)
    Timeline(TimelineArgs),
    /// Export the Winsock keys of a control set as a .reg file (regedit format, for `reg import`)
    Export(ExportArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    Manpage,
    /// Repair the Winsock catalogs offline (netsh winsock reset, LSP removal, structural fixes),
    /// writing a NEW hive; the input is only read
    Repair(RepairArgs),
    /// Build a synthetic hive from a readable description (how the hives in hives/ are made)
    BuildHive(BuildHiveArgs),
    /// Replay a dirty hive's transaction logs and write the recovered hive as a new clean file
    Replay(ReplayArgs),
    /// Describe transaction log files on their own: format, header, entries, sequence numbers
    Logs(LogsArgs),
    /// Put back the SYSTEM hive and logs that `repair --install` kept in a backup folder
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor catalog D:\\Windows\\System32\\config\\SYSTEM
  winsock-doctor catalog D:
  winsock-doctor catalog /mnt/windows
  winsock-doctor catalog SYSTEM --json > catalog.json
  winsock-doctor catalog SYSTEM --control-set 2
  winsock-doctor catalog SYSTEM --all-control-sets

The control set is Select\\Current unless --control-set is given.
Names stored as indirect strings (@%SystemRoot%\\System32\\mswsock.dll,-60100) are shown
with their known text and the stored string.")]
pub struct CatalogArgs {
    /// Print JSON (shape: docs/json-catalog.md) instead of tables
    #[arg(long)]
    pub json: bool,

    /// Also show every other control set (after the chosen one)
    #[arg(long)]
    pub all_control_sets: bool,

    #[command(flatten)]
    pub hive: HiveArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor check D:\\Windows\\System32\\config\\SYSTEM
  winsock-doctor check SYSTEM --json > check.json

Every bin and cell, every key reachable from the root, every subkey and value list, value,
data, class and security cell is checked (rules: docs/structure-check.md; JSON shape:
docs/json-check.md). Transaction logs are replayed in memory first: a dirty hive is checked as
Windows would load it.
Exit codes: 0 whole, 1 damaged, 2 unreadable (or an error).")]
pub struct CheckArgs {
    /// The hive file (opened read-only)
    #[arg(value_name = "HIVE")]
    pub hive: PathBuf,

    /// Print JSON (shape: docs/json-check.md) instead of a report
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub logs: LogArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor discover                  (Windows/WinPE: every drive but the running system's)
  winsock-doctor discover /mnt/sda2 /mnt/sdb1 --json

A ROOT is a volume (Windows folders directly below it are found, in any letter case) or a
Windows folder itself.")]
pub struct DiscoverArgs {
    /// Volumes or Windows folders to search
    #[arg(value_name = "ROOT")]
    pub roots: Vec<PathBuf>,

    /// Print JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor dlls D:
  winsock-doctor dlls /mnt/windows --json
  winsock-doctor dlls /mnt/windows --system-drive E

Paths in the hive are located as the installation sees them: %SystemRoot% and %windir% are its
Windows folder, its system drive (C: unless --system-drive says otherwise) is the volume,
bare names are in System32, and the 32-bit catalogs of a 64-bit system (Catalog_Entries) are
looked up in SysWOW64. Paths that would leave the volume (other drives, UNC, device paths,
`..`, links pointing outside) are reported, never followed.")]
pub struct DllsArgs {
    /// A Windows folder, or a volume holding one (or its SYSTEM hive inside the Windows tree)
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// Print JSON instead of tables
    #[arg(long)]
    pub json: bool,

    /// Read ControlSetNNN with this number instead of Select\Current
    #[arg(long, value_name = "N")]
    pub control_set: Option<u32>,

    /// The drive letter the installation had for its own volume
    #[arg(long, value_name = "LETTER", default_value = "C", value_parser = parse_drive_letter)]
    pub system_drive: char,

    #[command(flatten)]
    pub image: ImageArgs,
}

/// `C`, `c`, `C:` or `C:\` give `C`.
fn parse_drive_letter(text: &str) -> Result<char, String> {
    let trimmed = text.trim_end_matches(['\\', '/']).trim_end_matches(':');
    let mut chars = trimmed.chars();
    match (chars.next(), chars.next()) {
        (Some(letter), None) if letter.is_ascii_alphabetic() => Ok(letter.to_ascii_uppercase()),
        _ => Err(format!("{text:?} is not a drive letter (A to Z)")),
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor scan D:\\Windows\\System32\\config\\SYSTEM
  winsock-doctor scan SYSTEM --software SOFTWARE
  winsock-doctor scan SYSTEM --json > scan.json
  winsock-doctor scan SYSTEM --all-control-sets
  winsock-doctor scan --recursive /cases/kape --jsonl > fleet.jsonl
  winsock-doctor scan host1/SYSTEM host2/SYSTEM --threads 4

Several targets, --recursive or --jsonl make a batch: every hive is scanned on a pool of
threads; --jsonl prints one compact JSON object per hive as it finishes (a scan --json document
plus `host` and `path`; a hive that cannot be read gets {\"path\", \"error\", \"exit\": 2}),
then a summary table on stderr (on stdout without --jsonl). --recursive finds files named
SYSTEM (any case) that start with a primary hive header, with their transaction logs, in
folder trees (symlinked folders are not followed; empty files, as Windows leaves in RegBack,
are skipped). Hives found this way are files of a collection, not volumes: their DLLs are not
checked (scan the mounted volume for that).

Exit codes: 0 healthy (no critical or warning finding), 1 problems found, 2 the input could
not be read. For a batch: 2 if any hive could not be read, else 1 if any hive has problems,
else 0 (2 also when --recursive finds no hive). Finding codes: docs/findings.md; JSON shape: docs/json-scan.md; fleets: docs/fleet.md.")]
pub struct ScanArgs {
    /// SYSTEM hive files, Windows folders or volumes (opened read-only); with --recursive,
    /// folder trees to search for SYSTEM hives
    #[arg(value_name = "TARGET", required = true)]
    pub targets: Vec<PathBuf>,

    /// Search the TARGET folders recursively for SYSTEM hives (KAPE collections, case folders)
    #[arg(long, short = 'r', conflicts_with = "log")]
    pub recursive: bool,

    /// Worker threads for a batch (default: every core)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,

    /// One compact JSON object per hive and line, as each finishes (see docs/fleet.md)
    #[arg(long, conflicts_with = "json")]
    pub jsonl: bool,

    /// The SOFTWARE hive of the same machine, to know the exact Windows version (found by
    /// itself when TARGET is a volume or a Windows folder; one TARGET)
    #[arg(long, value_name = "SOFTWARE", conflicts_with = "recursive")]
    pub software: Option<PathBuf>,

    /// On a volume: the drive letter the installation had for its own volume (for the DLL
    /// checks)
    #[arg(long, value_name = "LETTER", default_value = "C", value_parser = parse_drive_letter)]
    pub system_drive: char,

    /// List the known-good copies of the Winsock configuration (the other control sets; on a
    /// volume, always, also RegBack, restore points, repair, Windows.old and --install backups)
    #[arg(long, conflicts_with = "recursive")]
    pub history: bool,

    /// Print JSON (shape: docs/json-scan.md) instead of a report (one TARGET)
    #[arg(long, conflicts_with = "recursive")]
    pub json: bool,

    /// Also scan every other control set, and compare LastKnownGood with the current one
    #[arg(long, conflicts_with = "control_set")]
    pub all_control_sets: bool,

    #[command(flatten)]
    pub read: ReadArgs,
}

impl ScanArgs {
    /// The scan pipeline's options, once the rules clap cannot express hold: the files of one
    /// machine and one JSON document need one TARGET.
    pub fn validate(&self) -> Result<ScanOptions> {
        if self.is_batch() {
            if !self.read.logs.log.is_empty() || self.software.is_some() {
                return Err(Error::Usage(
                    "--log and --software name files of one machine: give one TARGET".to_string(),
                ));
            }
            if self.json {
                return Err(Error::Usage(
                    "--json prints one document: for several hives use --jsonl".to_string(),
                ));
            }
        }
        Ok(ScanOptions {
            logs: self.read.logs.options(),
            control_set: self.read.control_set,
            all_control_sets: self.all_control_sets,
            software: self.software.clone(),
            system_drive: self.system_drive,
            // Hives found by --recursive are files of a collection; TARGETs named one by one
            // may be volumes, whose DLLs are checked.
            volume_checks: if self.recursive {
                VolumeChecks::Never
            } else {
                VolumeChecks::WhenOnAVolume
            },
            image: self.read.image.options(),
        })
    }

    /// Several hives, a search, or a stream of records: the batch mode.
    pub fn is_batch(&self) -> bool {
        self.recursive || self.jsonl || self.targets.len() > 1
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor timeline SYSTEM > winsock-times.csv
  winsock-doctor timeline SYSTEM --format bodyfile > winsock.body && mactime -b winsock.body -d

Lists the catalog keys, every protocol and namespace entry key (with its name, DLL and catalog
ID or provider), WinSock2, Winsock, AFD, Tcpip and each transport's Parameters\\Winsock, with
the time each key was last written, oldest first. The CSV (columns datetime, timestamp_desc,
key, what, summary, message) imports into Timesketch as it is; times are RFC 3339 UTC.")]
pub struct TimelineArgs {
    /// CSV, or a mactime bodyfile (The Sleuth Kit 3.x): mtime is the key's last-write time
    #[arg(
        long,
        value_enum,
        default_value_t = TimelineFormat::Csv,
        default_value_if("bodyfile", "true", "bodyfile")
    )]
    pub format: TimelineFormat,

    /// The spelling of --format bodyfile before --format existed, kept for scripts
    #[arg(long, hide = true, conflicts_with = "format")]
    pub bodyfile: bool,

    #[command(flatten)]
    pub hive: HiveArgs,
}

/// `timeline --format` (described in its help: doc comments here would spread that help over
/// one paragraph per flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Csv,
    Bodyfile,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor export D:\\Windows\\System32\\config\\SYSTEM --reg winsock.reg
  winsock-doctor export SYSTEM --reg cs2.reg --control-set 2
  reg import winsock.reg                      (on a running Windows, as administrator)

Exports Services\\WinSock2, Services\\Winsock, Services\\AFD and each transport's
Parameters\\Winsock with everything below them, as regedit writes them: UTF-16LE with a BOM,
CRLF, keys under HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSetNNN. hivexregedit --merge reads UTF-8:
iconv -f utf-16le -t utf-8 winsock.reg | dos2unix > winsock-utf8.reg")]
pub struct ExportArgs {
    /// The .reg file to write (a new file, written atomically)
    #[arg(long, value_name = "FILE")]
    pub reg: PathBuf,

    /// Replace FILE if it exists (never the input or its logs)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub hive: HiveArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor completions bash > /etc/bash_completion.d/winsock-doctor
  winsock-doctor completions powershell >> $PROFILE")]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor build-hive hives/win10-x64.toml --out hives/win10-x64.hive --force

The description format is documented in hives/README.md. The same description always gives
the same bytes: every key carries the description's fixed timestamp.")]
pub struct BuildHiveArgs {
    /// The description (TOML)
    #[arg(value_name = "DESCRIPTION")]
    pub description: PathBuf,

    #[command(flatten)]
    pub output: WriteArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor repair SYSTEM --mode reset --out SYSTEM.repaired
  winsock-doctor repair SYSTEM --mode remove-lsp --lsp pcaplsp.dll --out SYSTEM.repaired
  winsock-doctor repair SYSTEM --mode fix --fix-services --out SYSTEM.repaired --json
  winsock-doctor repair SYSTEM --mode reset --dry-run
  winsock-doctor repair D: --mode reset --install
  winsock-doctor repair SYSTEM --salvage --out SYSTEM.salvaged
  winsock-doctor repair SYSTEM --mode restore --from ControlSet002 --out SYSTEM.restored
  winsock-doctor repair D: --mode restore --from auto --dry-run

The input hive and its logs are only read. Transaction logs are replayed in memory first; the
output is a clean hive (sequence numbers equal and above the logs'). After writing, the output
is read back and scanned: if a problem the repair claimed to fix is still there, the output is
removed.
Exit codes: 0 repaired (or nothing to do, or --dry-run), 2 error, 3 the written hive failed the
check and was removed.")]
pub struct RepairArgs {
    /// Where to write the repaired hive (a new file)
    #[arg(
        long,
        value_name = "NEW_HIVE",
        required_unless_present_any = ["dry_run", "install"],
        conflicts_with = "install"
    )]
    pub out: Option<PathBuf>,

    /// What to do to the protocol catalog
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    /// Rebuild the hive from everything readable first (alone, or before --mode), leaving out
    /// and listing what cannot be read
    #[arg(long)]
    pub salvage: bool,

    /// With remove-lsp: the layered provider to remove, by catalog ID, provider GUID or DLL
    /// (repeatable; default: all)
    #[arg(long, value_name = "ID|GUID|DLL")]
    pub lsp: Vec<LspSelector>,

    /// With reset: keep third-party base providers (VMware vSockets...)
    #[arg(long)]
    pub keep_third_party: bool,

    /// Rebuild the namespace catalog from the Windows defaults too
    #[arg(long)]
    pub reset_namespace: bool,

    /// Re-enable AFD and Tcpip, restore Transports and the hook DLL values
    #[arg(long)]
    pub fix_services: bool,

    /// With restore: the copy to put back: ControlSet002, LastKnownGood, a hive file (a
    /// RegBack or restore-point copy, a donor; only read), or auto (the newest healthy copy of
    /// the same Windows that `scan` lists)
    #[arg(long, value_name = "SOURCE", value_parser = RestoreFrom::from_user)]
    pub from: Option<RestoreFrom>,

    /// With restore: accept a source of another Windows family, architecture or build
    #[arg(long, requires = "from")]
    pub allow_other_windows: bool,

    /// Make and check the repaired hive, print the plan and the verdict; write nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print the change report as JSON (shape: docs/json-repair.md)
    #[arg(long)]
    pub json: bool,

    /// Last-written time for the hive and the changed keys (RFC 3339), for reproducible output
    #[arg(long, value_name = "RFC3339", value_parser = filetime_from_rfc3339)]
    pub timestamp: Option<u64>,

    /// Replace an existing --out (never the input or its logs)
    #[arg(long)]
    pub force: bool,

    /// Write the output even when nothing needs repairing
    #[arg(long)]
    pub always_write: bool,

    /// On a mounted Windows volume: copy SYSTEM and its logs into a new backup folder beside
    /// them (checked, with a manifest), replace SYSTEM with the repaired hive and move the old
    /// logs into the backup; undone by `restore` (refused on the running system)
    #[arg(long)]
    pub install: bool,

    /// Repair every control set that has the problem
    #[arg(long, conflicts_with = "control_set")]
    pub all_control_sets: bool,

    /// The SOFTWARE hive of the same machine, to know the exact Windows version
    #[arg(long, value_name = "SOFTWARE")]
    pub software: Option<PathBuf>,

    /// The Windows version, when the hive does not pin it and no SOFTWARE hive is at hand:
    /// nt4, xp, vista7, 8, 10 (also 2000, 2003, vista, 7, 8.1, 11)
    #[arg(long, value_name = "VERSION", value_parser = Family::from_user)]
    pub windows: Option<Family>,

    /// The architecture with --windows: x86, amd64 (x64), arm64
    #[arg(long, value_name = "ARCH", value_parser = Arch::from_user, requires = "windows")]
    pub arch: Option<Arch>,

    #[command(flatten)]
    pub hive: HiveArgs,
}

impl RepairArgs {
    /// What the arguments ask of the repair pipeline, once the rules clap cannot express hold
    /// (they depend on the value of --mode).
    pub fn validate(&self) -> Result<RepairRequest> {
        let options = RepairOptions {
            mode: self.mode,
            lsps: self.lsp.clone(),
            keep_third_party: self.keep_third_party,
            reset_namespace: self.reset_namespace,
            fix_services: self.fix_services,
            from: self.from.clone(),
            allow_other_windows: self.allow_other_windows,
        };
        if !options.lsps.is_empty() && options.mode != Some(Mode::RemoveLsp) {
            return Err(Error::Usage("--lsp goes with --mode remove-lsp".into()));
        }
        let restore = options.mode == Some(Mode::Restore);
        if options.from.is_some() != restore {
            return Err(Error::Usage(
                "--mode restore and --from go together: --from names the copy the restore puts \
                 back"
                    .into(),
            ));
        }
        if restore && (self.all_control_sets || options.reset_namespace) {
            return Err(Error::Usage(
                "--mode restore puts back one control set's Winsock keys, namespace catalog \
                 included: leave out --all-control-sets and --reset-namespace (name another \
                 control set with --control-set N)"
                    .into(),
            ));
        }
        Ok(RepairRequest {
            options,
            control_set: self.hive.read.control_set,
            all_control_sets: self.all_control_sets,
            software: self.software.clone(),
            windows: self.windows.map(|family| (family, self.arch)),
            timestamp: self.timestamp.unwrap_or_else(filetime_now),
            always_write: self.always_write,
            salvage: self.salvage,
        })
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor replay SYSTEM --out SYSTEM.recovered
  winsock-doctor replay SYSTEM --log SYSTEM.LOG1 --log SYSTEM.LOG2 --out recovered --json

The logs beside the hive (SYSTEM.LOG, .LOG1, .LOG2, any letter case) are applied in memory as
Windows would at load time; the result, with equal sequence numbers and a valid checksum, goes
to a new file for other tools. The hive and its logs are only read. A dirty hive whose logs
cannot be applied is refused: there is nothing recovered to write.")]
pub struct ReplayArgs {
    /// The primary hive file (opened read-only)
    #[arg(value_name = "HIVE")]
    pub hive: PathBuf,

    #[command(flatten)]
    pub output: WriteArgs,

    /// Print the replay report as JSON
    #[arg(long)]
    pub json: bool,

    /// A transaction log to use (repeatable) instead of the ones found next to HIVE
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,

    #[command(flatten)]
    pub image: ImageArgs,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor logs SYSTEM.LOG1 SYSTEM.LOG2
  winsock-doctor logs /cases/*/SYSTEM.LOG* --json

No primary hive is needed. Old-format logs (Windows NT to 8) show their dirty pages; new-format
logs (Windows 8.1 and later) every HvLE entry with its sequence number, and where and why the
valid entries end.")]
pub struct LogsArgs {
    /// Transaction log files
    #[arg(value_name = "LOG", required = true)]
    pub logs: Vec<PathBuf>,

    /// Print JSON instead of tables
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor restore D: --list
  winsock-doctor restore D: --dry-run
  winsock-doctor restore D:
  winsock-doctor restore D:\\Windows\\System32\\config --backup winsock-doctor-backup-20261204T171500Z-1

Backups are the folders winsock-doctor-backup-<UTC time>-<n> that repair --install makes in the
config folder (beside SYSTEM). Every file is checked against the backup's manifest before
anything changes; a mismatch refuses. The hive and logs being replaced are kept in a new backup
folder, which restore --backup can put back in turn.
Exit codes: 0 restored (or listed, or --dry-run), 2 error or refused (nothing changed).")]
pub struct RestoreArgs {
    /// A volume, a Windows folder, or the config folder holding SYSTEM
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// The backup folder to put back (its name, or its path in the config folder); default:
    /// the newest one made by repair --install
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,

    /// Only list the backups found, newest first, with their manifests
    #[arg(long, conflicts_with_all = ["backup", "dry_run"])]
    pub list: bool,

    /// Check the backup and show what would be put back; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}
