//! The command line: argument definitions in [`args`], one file per subcommand.

pub mod args;
pub mod build_hive;
pub mod catalog;
pub mod check;
pub mod colour;
pub mod discover;
pub mod dlls;
pub mod export;
pub mod generated;
pub mod logs;
pub mod repair;
pub mod replay;
pub mod restore;
pub mod scan;
pub mod scan_batch;
pub mod timeline;

use crate::exit::Exit;

use clap::Parser;

use crate::error::Result;
use crate::input::LogsReport;
use args::{Cli, Command};

/// Parse the arguments and run the subcommand. Errors are returned for `main` to print.
pub fn run() -> Result<Exit> {
    let cli = Cli::parse();
    match cli.command {
        Command::Catalog(args) => catalog::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Discover(args) => discover::run(&args),
        Command::Dlls(args) => dlls::run(&args),
        Command::Scan(args) => scan::run(&args),
        Command::Timeline(args) => timeline::run(&args),
        Command::Export(args) => export::run(&args),
        Command::Completions(args) => generated::completions(args.shell),
        Command::Manpage => generated::manpage(),
        Command::BuildHive(args) => build_hive::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Logs(args) => logs::run(&args),
        Command::Repair(args) => repair::run(&args),
        Command::Restore(args) => restore::run(&args),
    }
}

/// Tell people on standard error when the hive was dirty: what was replayed, or that its latest
/// changes may be missing.
fn print_dirty_notice(logs: &LogsReport, input: &std::path::Path) {
    if let Some(notice) = logs.dirty_notice(input) {
        eprintln!("winsock-doctor: {notice}");
    }
}
