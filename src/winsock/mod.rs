//! Winsock catalogs: decode and encode their registry records, and read them from a hive.

pub mod catalog;
pub mod control_set;
pub mod guid;
pub mod mapping;
pub mod namespace_entry;
pub mod packed_item;
pub mod services;
pub mod well_known;
