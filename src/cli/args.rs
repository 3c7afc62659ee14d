//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "winsock-doctor",
    version,
    about = "Read, diagnose and repair the Winsock catalogs of an offline Windows SYSTEM hive",
    after_help = "Exit codes: 0 success, 1 scan found problems, 2 error (the message names the \
                  file and, for damaged bytes, the offset).\nThe input hive is only ever read."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show both Winsock catalogs (protocol and namespace), transports and AFD of a SYSTEM hive
    Catalog(CatalogArgs),
    /// Diagnose Winsock corruption and layered service providers (LSPs) in a SYSTEM hive
    Scan(ScanArgs),
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor catalog D:\\Windows\\System32\\config\\SYSTEM
  winsock-doctor catalog SYSTEM --json > catalog.json
  winsock-doctor catalog SYSTEM --control-set 2
  winsock-doctor catalog SYSTEM --all-control-sets

The control set is Select\\Current unless --control-set is given.
Names stored as indirect strings (@%SystemRoot%\\System32\\mswsock.dll,-60100) are shown
with their known text and the stored string.")]
pub struct CatalogArgs {
    /// The SYSTEM hive file (opened read-only)
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// Print JSON (shape: docs/json-catalog.md) instead of tables
    #[arg(long)]
    pub json: bool,

    /// Read ControlSetNNN with this number instead of Select\Current
    #[arg(long, value_name = "N", conflicts_with = "all_control_sets")]
    pub control_set: Option<u32>,

    /// Also show every other control set
    #[arg(long)]
    pub all_control_sets: bool,

    /// Read the primary file as it is, ignoring transaction logs
    #[arg(long, conflicts_with = "log")]
    pub no_logs: bool,

    /// A transaction log to use (repeatable) instead of the ones found next to TARGET
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  winsock-doctor scan D:\\Windows\\System32\\config\\SYSTEM
  winsock-doctor scan SYSTEM --software SOFTWARE
  winsock-doctor scan SYSTEM --json > scan.json
  winsock-doctor scan SYSTEM --all-control-sets

Exit codes: 0 healthy (no critical or warning finding), 1 problems found, 2 the input could
not be read. Finding codes: docs/findings.md; JSON shape: docs/json-scan.md.")]
pub struct ScanArgs {
    /// The SYSTEM hive file (opened read-only)
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// The SOFTWARE hive of the same machine, to know the exact Windows version
    #[arg(long, value_name = "SOFTWARE")]
    pub software: Option<PathBuf>,

    /// Print JSON (shape: docs/json-scan.md) instead of a report
    #[arg(long)]
    pub json: bool,

    /// Scan ControlSetNNN with this number instead of Select\Current
    #[arg(long, value_name = "N", conflicts_with = "all_control_sets")]
    pub control_set: Option<u32>,

    /// Also scan every other control set, and compare LastKnownGood with the current one
    #[arg(long)]
    pub all_control_sets: bool,

    /// Read the primary file as it is, ignoring transaction logs
    #[arg(long, conflicts_with = "log")]
    pub no_logs: bool,

    /// A transaction log to use (repeatable) instead of the ones found next to TARGET
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
}
