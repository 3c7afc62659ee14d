//! The registry hive layer: bytes in, keys and values out; and a writer for modified copies.

pub mod base_block;
pub mod image;
pub mod log;
pub mod reader;
pub mod value;
