//! Winsock catalogs: decode and encode their registry records, and read them from a hive.

pub mod catalog;
pub mod catalog_diff;
pub mod control_set;
pub mod default_catalog;
pub mod defaults;
pub mod diagnose;
pub mod dll_path;
pub mod family;
pub mod findings;
pub mod guid;
pub mod hive_structure;
pub mod known_malicious;
pub mod mapping;
pub mod namespace_entry;
pub mod packed_item;
pub mod providers;
pub mod repair;
pub mod scan;
pub mod services;
pub mod timeline;
pub mod well_known;
pub mod what_to_run;
pub mod windows_version;
pub mod winsock_keys;
