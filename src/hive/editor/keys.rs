//! Creating and deleting keys, with the security descriptors' reference counts kept exact.

use std::collections::{BTreeMap, HashSet};

use super::heap::file_offset;
use super::path::{self, Found};
use super::{EditError, Editor, data_offset};
use crate::error::FormatError;
use crate::hive::cell::NO_CELL;
use crate::hive::check;
use crate::hive::key_node::{KEY_COMP_NAME, KEY_NO_DELETE, KeyNode};
use crate::hive::name::StoredName;
use crate::hive::security::KeySecurity;

/// Why one more key cannot use a security cell.
pub(super) const AT_MAXIMUM: &str = "the reference count is already at its maximum";

/// Everything a subtree deletion frees, gathered and checked before any byte changes.
#[derive(Default)]
struct Subtree {
    key_nodes: Vec<u32>,
    /// Every cell to free: key nodes, lists, values, data, class names.
    cells: Vec<u32>,
    /// Security cell -> how many of the deleted key nodes use it.
    security_uses: BTreeMap<u32, u32>,
    /// A key of the subtree is flagged KEY_NO_DELETE: Windows would refuse the deletion.
    undeletable: bool,
}

impl Editor {
    /// Create the key at `path` and any missing key above it; an existing key is left as it is.
    pub fn create_key(&mut self, path: &str) -> Result<(), EditError> {
        let mut key = self.root;
        for name in path::components(path)? {
            key = match self.find_subkey(key, &name.as_nt())? {
                Some(child) => child,
                None => self.add_subkey(key, &name)?,
            };
        }
        Ok(())
    }

    /// Whether the key at `path` exists.
    pub fn key_exists(&self, path: &str) -> Result<bool, EditError> {
        Ok(self.find(&path::components(path)?)?.is_some())
    }

    /// The names of the subkeys of the key at `path`, in the order stored (sorted).
    pub fn subkey_names(&self, path: &str) -> Result<Vec<String>, EditError> {
        let key = self.existing_key(path)?;
        let tree = self.list_tree(key, &self.key_node(key)?)?;
        tree.children()
            .map(|child| Ok(self.key_name(child)?.to_string_lossy()))
            .collect()
    }

    /// Delete the key at `path` with all its subkeys and values. Returns `false` when there was no
    /// such key. The root cannot be deleted.
    pub fn delete_key(&mut self, path: &str) -> Result<bool, EditError> {
        let names = path::components(path)?;
        let Some(Found { key, parent }) = self.find(&names)? else {
            return Ok(false);
        };
        let parent = parent.ok_or(EditError::RootKey)?;
        let subtree = self.gather_subtree(key)?;
        if subtree.undeletable {
            return Err(EditError::NoDelete(path.to_string()));
        }
        if !self.input_whole {
            self.check_unshared(&subtree, key, parent)?;
        }
        self.remove_subkey(parent, key)?;
        for offset in &subtree.key_nodes {
            self.touched.remove(offset);
        }
        for &cell in &subtree.cells {
            self.heap.free(cell)?;
        }
        for (&security, &uses) in &subtree.security_uses {
            self.release_security(security, uses)?;
        }
        Ok(true)
    }

    /// A new key node named `name` under `parent`, sharing the parent's security descriptor.
    fn add_subkey(&mut self, parent: u32, name: &StoredName) -> Result<u32, EditError> {
        let security = self.key_node(parent)?.security;
        let sk = self.security_with_more_uses(security, 1, AT_MAXIMUM)?;
        let node = KeyNode {
            flags: if name.compressed { KEY_COMP_NAME } else { 0 },
            last_written: self.timestamp,
            parent,
            subkeys_list: NO_CELL,
            volatile_subkeys_list: NO_CELL,
            values_list: NO_CELL,
            security,
            class_name: NO_CELL,
            name_len: name.bytes.len() as u16, // at most 255 UTF-16 units: 510 bytes
            ..KeyNode::default()
        };
        let key = self.heap.alloc(&node.encode(&name.bytes))?;
        if let Err(refused) = self.insert_subkey(parent, key, name) {
            self.heap.free(key)?;
            return Err(refused);
        }
        sk.write_header(self.heap.data_mut(security)?);
        self.touch(key);
        Ok(key)
    }

    pub(super) fn key_security(&self, offset: u32) -> Result<(KeySecurity, &[u8]), FormatError> {
        KeySecurity::parse(self.heap.data(offset)?, data_offset(offset))
    }

    /// The security record at `offset` with `uses` more references, for the caller to write back
    /// once the keys that use it exist; `overflow` is the error when the count cannot grow.
    pub(super) fn security_with_more_uses(
        &self,
        offset: u32,
        uses: u32,
        overflow: &'static str,
    ) -> Result<KeySecurity, FormatError> {
        let (mut sk, _) = self.key_security(offset)?;
        sk.reference_count = sk
            .reference_count
            .checked_add(uses)
            .ok_or_else(|| FormatError::at(data_offset(offset) + 12, overflow))?;
        Ok(sk)
    }

    /// Collect the cells of the subtree at `key` with an explicit stack (no recursion), refusing
    /// cycles and cells reachable twice, and check the security cells it releases.
    fn gather_subtree(&self, key: u32) -> Result<Subtree, FormatError> {
        let mut subtree = Subtree::default();
        let mut seen = HashSet::new();
        let mut stack = vec![key];
        while let Some(offset) = stack.pop() {
            if !seen.insert(offset) {
                return Err(FormatError::at(
                    data_offset(offset),
                    "expected each key node once in the tree, found one reachable twice (a cycle?)",
                ));
            }
            let node = self.key_node(offset)?;
            subtree.undeletable |= node.flags & KEY_NO_DELETE != 0;
            let tree = self.list_tree(offset, &node)?;
            stack.extend(tree.children());
            subtree.cells.extend(tree.cells());
            for value in self.value_offsets(&node)? {
                subtree.cells.extend(self.value_data_cells(value)?);
                subtree.cells.push(value);
            }
            if node.value_count > 0 {
                subtree.cells.push(node.values_list);
            }
            if node.class_name != NO_CELL {
                self.heap.data(node.class_name)?;
                subtree.cells.push(node.class_name);
            }
            *subtree.security_uses.entry(node.security).or_default() += 1;
            subtree.cells.push(offset);
            subtree.key_nodes.push(offset);
        }
        check_distinct(subtree.cells.clone())?;
        for (&security, &uses) in &subtree.security_uses {
            let (sk, _) = self.key_security(security)?;
            if sk.reference_count < uses {
                return Err(FormatError::at(
                    data_offset(security) + 12,
                    format!(
                        "the reference count is {}, but {uses} deleted keys use this descriptor",
                        sk.reference_count
                    ),
                ));
            }
            if sk.reference_count == uses {
                self.key_security(sk.flink)?;
                self.key_security(sk.blink)?;
            }
        }
        Ok(subtree)
    }

    /// Refuse to free a cell of `subtree` (rooted at `key`, under `parent`) that a key outside
    /// it still refers to: a damaged hive can point a value list, a subkey list or a security
    /// reference of another key at it, and freeing it would leave that key on a free cell. One
    /// walk of the whole hive finds every referrer.
    fn check_unshared(&self, subtree: &Subtree, key: u32, parent: u32) -> Result<(), EditError> {
        let mut freed: HashSet<u32> = subtree.cells.iter().copied().collect();
        for (&security, &uses) in &subtree.security_uses {
            if self.key_security(security)?.0.reference_count == uses {
                freed.insert(security);
            }
        }
        let referrers = check::referrers(self.heap.bins(), self.root, self.minor_version, &freed);
        let inside: HashSet<u32> = subtree.key_nodes.iter().copied().collect();
        let mut cells: Vec<u32> = freed.into_iter().collect();
        cells.sort_unstable();
        for cell in cells {
            let outside = referrers
                .of(cell)
                .iter()
                .find(|&&user| !(inside.contains(&user) || cell == key && user == parent));
            if let Some(&user) = outside {
                return Err(EditError::SharedCell {
                    cell: file_offset(cell),
                    user: file_offset(user),
                });
            }
        }
        Ok(())
    }

    /// Drop `uses` references to the security cell at `offset`; at zero, unlink it from the list
    /// of security cells and free it.
    pub(super) fn release_security(&mut self, offset: u32, uses: u32) -> Result<(), EditError> {
        let (mut sk, _) = self.key_security(offset)?;
        sk.reference_count = sk.reference_count.saturating_sub(uses); // checked in gather_subtree
        if sk.reference_count > 0 {
            sk.write_header(self.heap.data_mut(offset)?);
            return Ok(());
        }
        let (mut previous, _) = self.key_security(sk.blink)?;
        previous.flink = sk.flink;
        previous.write_header(self.heap.data_mut(sk.blink)?);
        let (mut next, _) = self.key_security(sk.flink)?;
        next.blink = sk.blink;
        next.write_header(self.heap.data_mut(sk.flink)?);
        self.heap.free(offset)?;
        self.security_cells = None;
        Ok(())
    }
}

/// Cells about to be freed must each belong to one record: a damaged hive can point two records
/// at one cell, and freeing it twice (or freeing a cell still in use) would corrupt the output.
/// Checked before the first write, so a refused edit changes nothing.
pub(super) fn check_distinct(mut cells: Vec<u32>) -> Result<(), FormatError> {
    cells.sort_unstable();
    match cells.windows(2).find(|w| w[0] == w[1]) {
        Some(twice) => Err(FormatError::at(
            data_offset(twice[0]),
            "expected each cell to belong to one record, found one used twice",
        )),
        None => Ok(()),
    }
}
