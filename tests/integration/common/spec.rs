//! Shorthands for the specs the project's hive builder takes
//! (`winsock_doctor::hive::builder`). The fuzz crate builds its hives with the same ones: its
//! `src/lib.rs` includes this file.

use winsock_doctor::hive::builder::{KeySpec, ValueSpec};

/// A value of type `data_type` holding `data`.
pub fn value(name: &str, data_type: u32, data: Vec<u8>) -> ValueSpec {
    ValueSpec {
        name: name.to_string(),
        data_type,
        data,
    }
}

/// A key with `values` and `subkeys`.
pub fn key(name: &str, values: Vec<ValueSpec>, subkeys: Vec<KeySpec>) -> KeySpec {
    KeySpec {
        name: name.to_string(),
        values,
        subkeys,
    }
}

/// The root of a SYSTEM hive: `Select` holding `select`, and one control set, ControlSet001,
/// holding only `Services\WinSock2\<parameters>`.
pub fn system_root(select: Vec<ValueSpec>, parameters: KeySpec) -> KeySpec {
    let winsock2 = key("WinSock2", vec![], vec![parameters]);
    let services = key("Services", vec![], vec![winsock2]);
    let control_set = key("ControlSet001", vec![], vec![services]);
    key(
        "SYSTEM",
        vec![],
        vec![key("Select", select, vec![]), control_set],
    )
}

/// `text` as REG_SZ data: UTF-16LE with its terminating NUL.
pub fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect()
}
