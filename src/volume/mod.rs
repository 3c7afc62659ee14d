//! Working from a mounted Windows volume (or WinPE): find the installations and their hives,
//! and check the DLLs the Winsock configuration names without ever reading outside the volume.

pub mod case_insensitive;
pub mod confine;
pub mod discover;
pub mod dll_check;
pub mod findings;
pub mod library_path;
pub mod pe_image;
pub mod pe_version;
pub mod target;
