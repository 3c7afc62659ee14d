//! What a key carries besides its name, subkeys and values, set the way a compacting copy keeps
//! it from its original: security descriptor (identical descriptors share one sk cell, reference
//! counts exact), class name, last written time and flags.

use std::collections::{HashMap, HashSet};

use super::keys::AT_MAXIMUM;
use super::{EditError, Editor, KeyHandle, data_offset};
use crate::error::FormatError;
use crate::hive::cell::NO_CELL;
use crate::hive::key_node::{KEY_COMP_NAME, KEY_HIVE_ENTRY, MAX_SUBKEY_NAME_MASK, max_keys};
use crate::hive::security::KeySecurity;

/// Flag bits a copy never takes from its original: volatile and hive-exit keys do not exist on
/// disk, and the name form and hive entry are the editor's to set.
const KEY_VOLATILE: u16 = 0x0001;
const KEY_HIVE_EXIT: u16 = 0x0002;
const EDITOR_FLAGS: u16 = KEY_VOLATILE | KEY_HIVE_EXIT | KEY_HIVE_ENTRY | KEY_COMP_NAME;

impl Editor {
    /// Protect `key` with the self-relative `descriptor`: the sk cell holding the same bytes when
    /// there is one, else a new one linked into the list. The old descriptor loses a reference
    /// (and its cell when that was the last).
    pub fn set_security(&mut self, key: KeyHandle, descriptor: &[u8]) -> Result<(), EditError> {
        let mut node = self.key_node(key.0)?;
        let (_, current) = self.key_security(node.security)?;
        if current == descriptor {
            return Ok(());
        }
        let existing = self.security_cells()?.get(descriptor).copied();
        let target = match existing {
            Some(offset) => offset,
            None => self.add_security_cell(node.security, descriptor)?,
        };
        let sk = self.security_with_more_uses(target, 1, AT_MAXIMUM)?;
        sk.write_header(self.heap.data_mut(target)?);
        let old = node.security;
        node.security = target;
        self.write_key_node(key.0, &node)?;
        self.release_security(old, 1)
    }

    /// Give `key` the class name `class` (stored as is, UTF-16LE by convention); an empty class
    /// removes it. The parent's largest-class-name field follows.
    pub fn set_class_name(&mut self, key: KeyHandle, class: &[u8]) -> Result<(), EditError> {
        let len = u16::try_from(class.len())
            .map_err(|_| EditError::Limit("a class name is at most 65535 bytes".to_string()))?;
        let mut node = self.key_node(key.0)?;
        let old = node.class_name;
        if old != NO_CELL {
            self.heap.data(old)?;
        }
        node.class_name = if class.is_empty() {
            NO_CELL
        } else {
            self.heap.alloc(class)?
        };
        node.class_name_len = len;
        self.write_key_node(key.0, &node)?;
        if old != NO_CELL {
            self.heap.free(old)?;
        }
        if node.parent != NO_CELL && key.0 != self.root {
            let mut parent = self.key_node(node.parent)?;
            parent.max_subkey_class_name = parent.max_subkey_class_name.max(u32::from(len));
            self.write_key_node(node.parent, &parent)?;
        }
        Ok(())
    }

    /// Set the last written time of `key` to `filetime`, kept by [`Editor::finish`] unless a later
    /// edit changes the key's subkeys or values.
    pub fn set_last_written(&mut self, key: KeyHandle, filetime: u64) -> Result<(), EditError> {
        let mut node = self.key_node(key.0)?;
        node.last_written = filetime;
        self.write_key_node(key.0, &node)?;
        self.touched.remove(&key.0);
        Ok(())
    }

    /// Copy the flags of an original key onto `key`: `flags` (no-delete, symbolic link and the
    /// other bits a key keeps on disk), the access bits, and `user_flags`, the bits above the
    /// name length in the largest-subkey-name field (virtualization, user and debug flags).
    pub fn set_flags(
        &mut self,
        key: KeyHandle,
        flags: u16,
        access_bits: u32,
        user_flags: u32,
    ) -> Result<(), EditError> {
        let mut node = self.key_node(key.0)?;
        node.flags = (node.flags & EDITOR_FLAGS) | (flags & !EDITOR_FLAGS);
        node.access_bits = access_bits;
        node.max_subkey_name =
            (node.max_subkey_name & MAX_SUBKEY_NAME_MASK) | (user_flags & !MAX_SUBKEY_NAME_MASK);
        self.write_key_node(key.0, &node)?;
        Ok(())
    }

    /// Descriptor -> sk cell of every security cell on the list, read once.
    fn security_cells(&mut self) -> Result<&HashMap<Vec<u8>, u32>, FormatError> {
        if self.security_cells.is_none() {
            let start = self.key_node(self.root)?.security;
            let mut cells = HashMap::new();
            let mut seen = HashSet::new();
            let mut offset = start;
            // Bounded: each sk cell once, and no more cells than the hive can hold.
            let most = max_keys(self.heap.bins_len() as usize);
            loop {
                if !seen.insert(offset) || seen.len() > most {
                    return Err(FormatError::at(
                        data_offset(offset),
                        "expected the list of security cells to lead back to its start",
                    ));
                }
                let (sk, descriptor) = self.key_security(offset)?;
                cells.entry(descriptor.to_vec()).or_insert(offset);
                offset = sk.flink;
                if offset == start {
                    break;
                }
            }
            self.security_cells = Some(cells);
        }
        Ok(self.security_cells.get_or_insert_default())
    }

    /// A new sk cell holding `descriptor` with no reference yet, linked in before `neighbour`.
    fn add_security_cell(&mut self, neighbour: u32, descriptor: &[u8]) -> Result<u32, EditError> {
        let descriptor_len = u32::try_from(descriptor.len())
            .map_err(|_| EditError::Limit("the security descriptor is too large".to_string()))?;
        let (next, _) = self.key_security(neighbour)?;
        let previous_offset = next.blink;
        self.key_security(previous_offset)?;
        let sk = KeySecurity {
            flink: neighbour,
            blink: previous_offset,
            reference_count: 0,
            descriptor_len,
            ..KeySecurity::default()
        };
        let offset = self.heap.alloc(&sk.encode(descriptor))?;
        // Each read after the previous write: the neighbour may be its own previous (a list of one).
        let (mut previous, _) = self.key_security(previous_offset)?;
        previous.flink = offset;
        previous.write_header(self.heap.data_mut(previous_offset)?);
        let (mut next, _) = self.key_security(neighbour)?;
        next.blink = offset;
        next.write_header(self.heap.data_mut(neighbour)?);
        if let Some(cells) = &mut self.security_cells {
            cells.insert(descriptor.to_vec(), offset);
        }
        Ok(offset)
    }
}
