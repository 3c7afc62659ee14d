//! The pipelines: what `scan`, `repair`, `repair --install` and `restore` do, from a target to
//! a result, callable by other programs. The command line only turns arguments into these
//! options and prints the results.

pub mod backup_folder;
pub mod backup_manifest;
pub mod history;
pub mod history_files;
pub mod install;
pub mod open_target;
pub mod repair;
pub mod restore;
pub mod restore_source;
pub mod scan;
pub mod transaction;
