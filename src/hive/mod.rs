//! The registry hive layer: bytes in, keys and values out; and a writer for modified copies.

pub mod base_block;
pub mod big_data;
pub mod buffer;
pub mod builder;
pub mod cell;
pub mod check;
pub mod editor;
pub mod filetime;
pub mod hbin;
pub mod image;
pub mod key_node;
pub mod key_times;
pub mod key_value;
mod le;
pub mod log;
pub mod name;
pub mod offset_list;
pub mod panic_guard;
pub mod read_file;
pub mod reader;
pub mod salvage;
pub mod security;
pub mod subkey_list;
pub mod subtree;
pub mod value;
pub mod value_data;
pub mod write_file;
