//! Reading the records of a damaged input one by one: a key node with its name, its values with
//! their data, its subkey lists, class name and security descriptor. Each read checks every cell
//! it follows and claims the cells it used, so that no cell feeds two records (a damaged hive can
//! point two keys at one list or one value's data at another's).

use crate::error::FormatError;
use crate::hive::cell::NO_CELL;
use crate::hive::editor::EditError;
use crate::hive::key_node::KeyNode;
use crate::hive::key_value::{INLINE_MAX, KeyValue, VALUE_TOMBSTONE};
use crate::hive::name::StoredName;
use crate::hive::offset_list;
use crate::hive::salvage::cells::{CellBits, InputCells};
use crate::hive::security::KeySecurity;
use crate::hive::subkey_list::SubkeyList;
use crate::hive::value_data;

/// A key node of the input.
pub(super) struct InputKey {
    pub offset: u32,
    pub node: KeyNode,
    pub name: StoredName,
}

/// A value of the input with its data.
pub(super) struct InputValue {
    pub name: StoredName,
    pub data_type: u32,
    pub data: Vec<u8>,
}

/// The input's cells and which of them a salvaged record already took.
pub(super) struct Input<'a> {
    pub cells: InputCells<'a>,
    claimed: CellBits,
    minor_version: u32,
}

pub(super) use crate::hive::cell::data_offset;

impl<'a> Input<'a> {
    pub(super) fn new(cells: InputCells<'a>, minor_version: u32) -> Self {
        let claimed = CellBits::new(cells.bins_len());
        Self {
            cells,
            claimed,
            minor_version,
        }
    }

    /// Take the cells `offsets` for one record, after checking that none is taken yet.
    fn claim(&mut self, offsets: &[u32]) -> Result<(), FormatError> {
        if let Some(&taken) = offsets.iter().find(|&&o| self.claimed.contains(o)) {
            return Err(FormatError::at(
                data_offset(taken),
                "the cell already belongs to a record read before (cells shared or a cycle)",
            ));
        }
        for &offset in offsets {
            self.claimed.insert(offset);
        }
        Ok(())
    }

    /// The key node at `offset`, claimed, with its name checked the way the editor will.
    pub(super) fn key(&mut self, offset: u32) -> Result<InputKey, FormatError> {
        let at = data_offset(offset);
        let (node, name) = KeyNode::parse(self.cells.data(offset)?, at)?;
        let name = StoredName {
            bytes: name.to_vec(),
            compressed: node.name_is_compressed(),
        };
        let usable = crate::hive::editor::check_key_name(&name);
        check_usable(&name, usable, at + 76, "key")?;
        self.claim(&[offset])?;
        Ok(InputKey { offset, node, name })
    }

    /// The offsets listed in the subkey lists of `key`, and the reason for every list (or the
    /// whole tree) that could not be read.
    pub(super) fn subkey_offsets(&mut self, key: &InputKey) -> (Vec<u32>, Vec<FormatError>) {
        let mut children = Vec::new();
        let mut errors = Vec::new();
        if key.node.subkey_count == 0 {
            return (children, errors);
        }
        let top_offset = key.node.subkeys_list;
        let top = match self.list(top_offset) {
            Ok(list) => list,
            Err(e) => return (children, vec![e]),
        };
        if top.kind.is_leaf() {
            children.extend(top.entries.iter().map(|e| e.offset));
            return (children, errors);
        }
        for entry in &top.entries {
            match self.list(entry.offset) {
                Ok(leaf) if leaf.kind.is_leaf() => {
                    children.extend(leaf.entries.iter().map(|e| e.offset))
                }
                Ok(_) => errors.push(FormatError::at(
                    data_offset(entry.offset),
                    "expected a leaf under an index root, found another index root",
                )),
                Err(e) => errors.push(e),
            }
        }
        (children, errors)
    }

    fn list(&mut self, offset: u32) -> Result<SubkeyList, FormatError> {
        let list = SubkeyList::parse(self.cells.data(offset)?, data_offset(offset))?;
        self.claim(&[offset])?;
        Ok(list)
    }

    /// The offsets in the values list of `key`.
    pub(super) fn value_offsets(&mut self, key: &InputKey) -> Result<Vec<u32>, FormatError> {
        let count = key.node.value_count as usize;
        if count == 0 {
            return Ok(Vec::new());
        }
        let list = key.node.values_list;
        let offsets = offset_list::parse(self.cells.data(list)?, count, data_offset(list))?;
        self.claim(&[list])?;
        Ok(offsets)
    }

    /// The value at `offset` with its data (inline, one cell, or big data segments).
    pub(super) fn value(&mut self, offset: u32) -> Result<InputValue, FormatError> {
        let at = data_offset(offset);
        let (vk, name) = KeyValue::parse(self.cells.data(offset)?, at)?;
        if vk.flags & VALUE_TOMBSTONE != 0 {
            return Err(FormatError::at(
                at + 16,
                "the value is a tombstone (deleted in a layered key)",
            ));
        }
        let name = StoredName {
            bytes: name.to_vec(),
            compressed: vk.name_is_compressed(),
        };
        let usable = crate::hive::editor::check_value_name(&name);
        check_usable(&name, usable, at + 20, "value")?;
        let (data, mut cells) = self.value_data(offset, &vk)?;
        cells.push(offset);
        self.claim(&cells)?;
        Ok(InputValue {
            name,
            data_type: vk.data_type,
            data,
        })
    }

    /// The data of `vk` (at `value`) and the cells holding it.
    fn value_data(&self, value: u32, vk: &KeyValue) -> Result<(Vec<u8>, Vec<u32>), FormatError> {
        // More than 4 bytes cannot be inline: reading 4 of them would shorten the value.
        if vk.is_inline() && vk.data_len() as usize > INLINE_MAX {
            return Err(FormatError::at(
                data_offset(value) + 4,
                format!("inline data of {} bytes: at most 4 fit", vk.data_len()),
            ));
        }
        let stored = value_data::read(vk, value, self.minor_version, |cell| self.cells.data(cell))?;
        Ok((stored.bytes, stored.cells))
    }

    /// The class name of `key`, if it has one.
    pub(super) fn class_name(&mut self, key: &InputKey) -> Result<Option<Vec<u8>>, FormatError> {
        let (offset, len) = (key.node.class_name, usize::from(key.node.class_name_len));
        if offset == NO_CELL || len == 0 {
            return Ok(None);
        }
        let class = self.cells.data(offset)?.get(..len).ok_or_else(|| {
            FormatError::at(
                data_offset(offset),
                format!("expected a class name of {len} bytes inside the cell"),
            )
        })?;
        self.claim(&[offset])?;
        Ok(Some(class.to_vec()))
    }

    /// The security descriptor of `key`; sk cells are shared by design, so not claimed.
    pub(super) fn security(&self, key: &InputKey) -> Result<&'a [u8], FormatError> {
        let offset = key.node.security;
        let at = data_offset(offset);
        let (_, descriptor) = KeySecurity::parse(self.cells.data(offset)?, at)?;
        check_descriptor(descriptor).map_err(|why| FormatError::at(at + 20, why))?;
        Ok(descriptor)
    }
}

/// Refuse a `what` (key or value) name stored at `at` that the editor refused (`usable`) or that
/// cannot be shown.
fn check_usable(
    name: &StoredName,
    usable: Result<(), EditError>,
    at: u64,
    what: &str,
) -> Result<(), FormatError> {
    usable
        .map_err(|e| e.to_string())
        .and_then(|()| check_readable(name))
        .map_err(|e| FormatError::at(at, format!("unusable {what} name: {e}")))
}

/// A name other tools read the same way: no NUL (most cut the name there) and, in UTF-16, no
/// unpaired surrogate (most refuse to decode it). Windows takes both, but a salvaged hive must
/// read the same everywhere; such names come from damage (found by the mutation tests).
fn check_readable(name: &StoredName) -> Result<(), String> {
    let nul = if name.compressed {
        name.bytes.contains(&0)
    } else {
        let units = name
            .bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]));
        if char::decode_utf16(units.clone()).any(|c| c.is_err()) {
            return Err("the UTF-16 name holds an unpaired surrogate".to_string());
        }
        units.into_iter().any(|u| u == 0)
    };
    if nul {
        return Err("the name holds a NUL character".to_string());
    }
    Ok(())
}

/// The checks of a self-relative security descriptor that a copy relies on: revision 1, the
/// self-relative control bit, and owner, group and ACL offsets inside the descriptor.
fn check_descriptor(descriptor: &[u8]) -> Result<(), String> {
    const HEADER: usize = 20;
    const SE_SELF_RELATIVE: u16 = 0x8000;
    let header = descriptor.get(..HEADER).ok_or_else(|| {
        format!(
            "a security descriptor of {} bytes is too short",
            descriptor.len()
        )
    })?;
    if header[0] != 1 {
        return Err(format!(
            "expected security descriptor revision 1, found {}",
            header[0]
        ));
    }
    let control = u16::from_le_bytes([header[2], header[3]]);
    if control & SE_SELF_RELATIVE == 0 {
        return Err("expected a self-relative security descriptor".to_string());
    }
    for at in [4usize, 8, 12, 16] {
        let field =
            u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
        if field as usize >= descriptor.len() && field != 0 {
            return Err(format!(
                "a security descriptor part at {field:#x} lies past its {} bytes",
                descriptor.len()
            ));
        }
    }
    Ok(())
}
