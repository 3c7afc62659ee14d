//! winsock-doctor: read, diagnose and repair the Windows Winsock catalogs offline, from a SYSTEM
//! hive file.
//!
//! Data flows one way: bytes ([`hive`]), catalogs and findings ([`winsock`]), then reports.

#[cfg(feature = "cli")]
pub mod cli;
pub mod error;
pub mod exit;
pub mod fleet;
pub mod hive;
pub mod image;
pub mod input;
pub mod pipeline;
pub mod report;
pub mod synthetic;
pub mod volume;
pub mod winsock;
