//! winsock-doctor: read, diagnose and repair the Windows Winsock catalogs offline, from a SYSTEM
//! hive.
//!
//! Windows keeps its socket stack's configuration in the SYSTEM hive, under
//! `Services\WinSock2\Parameters`: the protocol catalog (`Protocol_Catalog9`) and the namespace
//! catalog (`NameSpace_Catalog5`). This crate reads a hive (a file, bytes in memory, a Windows
//! folder or volume, a disk image), replays its transaction logs, decodes both catalogs,
//! reports damage and layered providers (LSPs) with the evidence, and writes a repaired copy
//! that has passed a full structural check.
//!
//! # A short tour
//!
//! Data flows one way: bytes → hive → catalog → findings or repair plan → report or new hive.
//!
//! - [`OpenedHive`] is a hive read and hashed: [`OpenedHive::open`] reads a file (and replays
//!   the logs beside it, see [`LogOptions`]), [`OpenedHive::from_bytes`] takes bytes already in
//!   memory.
//! - [`scan_hive`] (or [`scan_target`] for a path to a file, folder, volume or image) decodes
//!   the catalogs and diagnoses them: a [`HiveScan`] whose [`findings`](HiveScan::findings) are
//!   [`Finding`]s, each with a [`FindingCode`] and a [`Severity`].
//! - [`repair`] plans a repair ([`RepairOptions`], [`Mode`]) for each control set, applies it
//!   to a copy and verifies the copy: a [`RepairOutcome`] whose [`Repaired::bytes`] are the new
//!   hive. [`write_new_file`] writes them without ever overwriting a file.
//! - Errors are [`Error`]s that name the file and, for a fault in the bytes, the offset
//!   ([`FormatError`]); [`Exit`] is the program's exit status.
//!
//! ```no_run
//! use std::path::Path;
//! use winsock_doctor::{
//!     Mode, OpenedHive, RepairOptions, RepairRequest, ScanOptions, filetime_now, repair,
//!     scan_hive, write_new_file,
//! };
//!
//! # fn main() -> winsock_doctor::Result<()> {
//! let path = Path::new("SYSTEM");
//! let bytes = std::fs::read(path).map_err(|e| winsock_doctor::Error::io(path, "read it", e))?;
//! let scanned = scan_hive(OpenedHive::from_bytes(path, &bytes)?, &ScanOptions::default(), None)?;
//! for finding in scanned.findings() {
//!     println!("{} {}", finding.code.as_str(), finding.message);
//! }
//! let options = RepairOptions { mode: Some(Mode::RemoveLsp), ..Default::default() };
//! let outcome = repair(scanned.hive, None, None, &RepairRequest::new(options, filetime_now()))?;
//! if let Some(repaired) = outcome.repaired.filter(|r| r.verification.passed()) {
//!     write_new_file(Path::new("SYSTEM.repaired"), repaired.bytes(), &[path.into()], false)?;
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The modules behind these names are public for the command line and the tests only: they
//! are hidden from the documentation and may change without notice.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[doc(hidden)]
#[cfg(feature = "cli")]
pub mod cli;
#[doc(hidden)]
pub mod error;
#[doc(hidden)]
pub mod exit;
#[doc(hidden)]
pub mod fleet;
#[doc(hidden)]
pub mod hive;
#[doc(hidden)]
pub mod image;
#[doc(hidden)]
pub mod input;
#[doc(hidden)]
pub mod pipeline;
#[doc(hidden)]
pub mod report;
#[doc(hidden)]
pub mod synthetic;
#[doc(hidden)]
pub mod volume;
#[doc(hidden)]
pub mod winsock;

pub use error::{Error, FormatError, Result};
pub use exit::Exit;
pub use hive::filetime::filetime_now;
pub use hive::panic_guard::quiet_contained_panics;
pub use hive::write_file::write_new_file;
pub use input::{LogOptions, OpenedHive};
pub use pipeline::repair::{RepairOutcome, RepairRequest, Repaired, Verification, repair};
pub use pipeline::scan::{HiveScan, ScanOptions, scan_hive, scan_target};
pub use winsock::catalog::{
    CatalogList, ControlSetCatalogs, NamespaceEntry, ProtocolEntry, SystemCatalogs,
};
pub use winsock::findings::{Code as FindingCode, Finding, Severity};
pub use winsock::repair::{Mode, PlanError, RepairOptions, RepairPlan};
