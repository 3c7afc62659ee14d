//! A key's subkey list as the editor sees it: one leaf, or an `ri` of leaves; kept sorted by
//! uppercased name, leaves split in two when they outgrow [`MAX_LEAF_ENTRIES`].

use nt_hive::NtHiveNameString;

use super::{EditError, Editor, KeyHandle, data_offset, path};
use crate::error::FormatError;
use crate::hive::cell::NO_CELL;
use crate::hive::key_node::{KEY_COMP_NAME, KeyNode, max_keys};
use crate::hive::name::{self, StoredName};
use crate::hive::subkey_list::{self, ListEntry, ListKind, SubkeyList};

/// Entries per leaf before it is split in two under an `ri`: a full `lh`/`lf` leaf then still
/// fits in one 4 KiB page (like offreg, which splits leaves into an index root near 500 keys).
pub(super) const MAX_LEAF_ENTRIES: usize = 500;

/// The lists of one key, read from the hive.
pub(super) struct ListTree {
    /// The `ri` and its offset, when the key has one.
    pub(super) root: Option<(u32, SubkeyList)>,
    /// Every leaf with its offset, in order.
    pub(super) leaves: Vec<(u32, SubkeyList)>,
}

impl ListTree {
    /// Offsets of every subkey's key node, in list order.
    pub(super) fn children(&self) -> impl Iterator<Item = u32> + '_ {
        self.leaves
            .iter()
            .flat_map(|(_, l)| l.entries.iter().map(|e| e.offset))
    }

    /// Offsets of the list cells themselves.
    pub(super) fn cells(&self) -> impl Iterator<Item = u32> + '_ {
        self.root
            .iter()
            .map(|(o, _)| *o)
            .chain(self.leaves.iter().map(|(o, _)| *o))
    }
}

/// The leaf kind Windows uses for a new list in a hive of `minor_version`.
fn new_leaf_kind(minor_version: u32) -> ListKind {
    if minor_version >= 5 {
        ListKind::HashLeaf
    } else {
        ListKind::FastLeaf
    }
}

/// The list element pointing at the key node `offset` named `name`, in a leaf of `kind`.
fn leaf_entry(kind: ListKind, offset: u32, name: &NtHiveNameString<'_>) -> ListEntry {
    let hint_or_hash = match kind {
        ListKind::HashLeaf => name::lh_hash(name),
        ListKind::FastLeaf => u32::from_le_bytes(name::lf_hint(name)),
        ListKind::IndexLeaf | ListKind::IndexRoot => 0,
    };
    ListEntry {
        offset,
        hint_or_hash,
    }
}

impl Editor {
    fn subkey_list(&self, offset: u32) -> Result<SubkeyList, FormatError> {
        SubkeyList::parse(self.heap.data(offset)?, data_offset(offset))
    }

    /// Read the lists of the key node `node` at `offset`, checking their shape and count.
    pub(super) fn list_tree(&self, offset: u32, node: &KeyNode) -> Result<ListTree, FormatError> {
        let mut tree = ListTree {
            root: None,
            leaves: Vec::new(),
        };
        if node.subkey_count == 0 {
            return Ok(tree);
        }
        let count_error = |listed: usize| {
            FormatError::at(
                data_offset(offset) + 20,
                format!(
                    "the key node counts {} subkeys, its lists hold {listed}",
                    node.subkey_count
                ),
            )
        };
        // Checked leaf by leaf: an index root can list one large leaf thousands of times.
        let most = (node.subkey_count as usize).min(max_keys(self.heap.bins_len() as usize));
        let mut listed = 0usize;
        let top = self.subkey_list(node.subkeys_list)?;
        if top.kind.is_leaf() {
            listed = top.entries.len();
            tree.leaves.push((node.subkeys_list, top));
        } else {
            for entry in &top.entries {
                let leaf = self.subkey_list(entry.offset)?;
                if !leaf.kind.is_leaf() || leaf.entries.is_empty() {
                    return Err(FormatError::at(
                        data_offset(entry.offset),
                        "expected a non-empty leaf under an index root",
                    ));
                }
                listed += leaf.entries.len();
                if listed > most {
                    return Err(count_error(listed));
                }
                tree.leaves.push((entry.offset, leaf));
            }
            tree.root = Some((node.subkeys_list, top));
        }
        if listed != node.subkey_count as usize {
            return Err(count_error(listed));
        }
        Ok(tree)
    }

    /// The subkey of the key at `parent` named `name` (any case).
    pub(super) fn find_subkey(
        &self,
        parent: u32,
        name: &NtHiveNameString<'_>,
    ) -> Result<Option<u32>, FormatError> {
        let tree = self.list_tree(parent, &self.key_node(parent)?)?;
        // A linear scan, so that a key is found even in a list a damaged hive left unsorted.
        // Uppercasing maps code units one to one, so names of different lengths never match.
        let length = name::utf16_byte_len(name);
        for child in tree.children() {
            let child_name = self.key_name(child)?;
            if name::utf16_byte_len(&child_name) == length && child_name == *name {
                return Ok(Some(child));
            }
        }
        Ok(None)
    }

    /// Index of the first of the sorted key nodes `keys` whose name sorts after `name` (binary
    /// search, like the readers'); `keys.len()` when none does.
    fn first_after(&self, keys: &[u32], name: &NtHiveNameString<'_>) -> Result<usize, FormatError> {
        let (mut low, mut high) = (0, keys.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if self.key_name(keys[middle])? > *name {
                high = middle;
            } else {
                low = middle + 1;
            }
        }
        Ok(low)
    }

    /// Add the key node `child` named `name` to the subkeys of `parent`, in sorted position.
    pub(super) fn insert_subkey(
        &mut self,
        parent: u32,
        child: u32,
        name: &StoredName,
    ) -> Result<(), EditError> {
        let mut node = self.key_node(parent)?;
        let mut tree = self.list_tree(parent, &node)?;
        let name = name.as_nt();
        // Every check comes before the first change, so a refused insertion changes nothing.
        let subkey_count = node
            .subkey_count
            .checked_add(1)
            .ok_or_else(|| EditError::Limit("the key has too many subkeys".to_string()))?;
        node.subkeys_list = if tree.leaves.is_empty() {
            let kind = new_leaf_kind(self.minor_version);
            let entries = vec![leaf_entry(kind, child, &name)];
            self.heap.alloc(&SubkeyList { kind, entries }.encode())?
        } else {
            // The first leaf whose last key sorts after the new one takes it; else the last leaf.
            let last_keys: Vec<u32> = tree.leaves.iter().map(|(_, l)| l.last_offset()).collect();
            let index = self
                .first_after(&last_keys, &name)?
                .min(tree.leaves.len() - 1);
            let (leaf_offset, mut leaf) = tree.leaves.swap_remove(index);
            let keys: Vec<u32> = leaf.entries.iter().map(|e| e.offset).collect();
            let position = self.first_after(&keys, &name)?;
            leaf.entries
                .insert(position, leaf_entry(leaf.kind, child, &name));
            let split = leaf.entries.len() > MAX_LEAF_ENTRIES;
            if split
                && tree
                    .root
                    .as_ref()
                    .is_some_and(|(_, root)| root.entries.len() >= subkey_list::MAX_ENTRIES)
            {
                return Err(EditError::Limit(
                    "the index root of this key is full".to_string(),
                ));
            }
            let upper = split.then(|| SubkeyList {
                kind: leaf.kind,
                entries: leaf.entries.split_off(leaf.entries.len() / 2),
            });
            let mut new_leaves = vec![self.heap.replace(leaf_offset, &leaf.encode())?];
            if let Some(upper) = upper {
                new_leaves.push(self.heap.alloc(&upper.encode())?);
            }
            let root_entries = new_leaves.iter().map(|&offset| ListEntry {
                offset,
                hint_or_hash: 0,
            });
            match (tree.root, new_leaves.as_slice()) {
                (None, [only]) => *only,
                (None, _) => {
                    let entries = root_entries.collect();
                    let kind = ListKind::IndexRoot;
                    self.heap.alloc(&SubkeyList { kind, entries }.encode())?
                }
                (Some((root_offset, mut root)), _) => {
                    root.entries.splice(index..=index, root_entries);
                    self.heap.replace(root_offset, &root.encode())?
                }
            }
        };
        node.subkey_count = subkey_count;
        node.raise_max_subkey_name(name::utf16_byte_len(&name));
        self.write_key_node(parent, &node)?;
        self.touch(parent);
        Ok(())
    }

    /// Take the key node `child` out of the subkeys of `parent`; an emptied leaf is freed, and an
    /// index root left with one leaf is replaced by that leaf.
    pub(super) fn remove_subkey(&mut self, parent: u32, child: u32) -> Result<(), EditError> {
        let mut node = self.key_node(parent)?;
        let mut tree = self.list_tree(parent, &node)?;
        let (index, position) = tree
            .leaves
            .iter()
            .enumerate()
            .find_map(|(i, (_, leaf))| {
                leaf.entries
                    .iter()
                    .position(|e| e.offset == child)
                    .map(|p| (i, p))
            })
            .ok_or_else(|| {
                FormatError::at(
                    data_offset(parent),
                    format!("expected the subkey {child:#x} in this key's lists"),
                )
            })?;
        let (leaf_offset, mut leaf) = tree.leaves.swap_remove(index);
        leaf.entries.remove(position);
        if !leaf.entries.is_empty() {
            self.heap.replace(leaf_offset, &leaf.encode())?; // shrinks, so stays in place
        } else {
            self.heap.free(leaf_offset)?;
            node.subkeys_list = match tree.root {
                None => NO_CELL,
                Some((root_offset, mut root)) => {
                    root.entries.remove(index);
                    match root.entries.as_slice() {
                        [] | [_] => {
                            self.heap.free(root_offset)?;
                            root.entries.first().map_or(NO_CELL, |e| e.offset)
                        }
                        _ => self.heap.replace(root_offset, &root.encode())?,
                    }
                }
            };
        }
        node.subkey_count = node.subkey_count.saturating_sub(1); // it was listed, so it is >= 1
        self.write_key_node(parent, &node)?;
        self.touch(parent);
        Ok(())
    }
}

impl Editor {
    /// Create the subkeys `names` (each in its stored form) of `parent`, which has none yet, in
    /// one go: key nodes sharing the parent's security descriptor, and sorted leaves of at most
    /// 500 entries (`MAX_LEAF_ENTRIES`, under an `ri` when there are more). Returns the new keys in the
    /// order of `names`. Names must differ ignoring case.
    pub fn create_subkeys(
        &mut self,
        parent: KeyHandle,
        names: &[StoredName],
    ) -> Result<Vec<KeyHandle>, EditError> {
        let mut node = self.key_node(parent.0)?;
        if node.subkey_count != 0 {
            return Err(EditError::Limit(
                "subkeys are created in one go only under a key without subkeys".to_string(),
            ));
        }
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut order: Vec<usize> = (0..names.len()).collect();
        order.sort_by(|&a, &b| names[a].as_nt().cmp(&names[b].as_nt()));
        for pair in order.windows(2) {
            if names[pair[0]].as_nt() == names[pair[1]].as_nt() {
                return Err(EditError::InvalidName {
                    name: names[pair[1]].as_nt().to_string_lossy(),
                    reason: "two subkeys of one key cannot have the same name (ignoring case)",
                });
            }
        }
        for name in names {
            path::check_key_name(name)?;
        }
        let count = u32::try_from(names.len())
            .ok()
            .filter(|&n| n.div_ceil(MAX_LEAF_ENTRIES as u32) <= subkey_list::MAX_ENTRIES as u32)
            .ok_or_else(|| EditError::Limit("the key would have too many subkeys".to_string()))?;
        let sk = self.security_with_more_uses(
            node.security,
            count,
            "the reference count would pass its maximum",
        )?;
        sk.write_header(self.heap.data_mut(node.security)?);

        let kind = new_leaf_kind(self.minor_version);
        let mut keys = vec![KeyHandle(NO_CELL); names.len()];
        let mut entries = Vec::with_capacity(names.len());
        for &index in &order {
            let name = &names[index];
            let child = KeyNode {
                flags: if name.compressed { KEY_COMP_NAME } else { 0 },
                last_written: self.timestamp,
                parent: parent.0,
                subkeys_list: NO_CELL,
                volatile_subkeys_list: NO_CELL,
                values_list: NO_CELL,
                security: node.security,
                class_name: NO_CELL,
                name_len: name.bytes.len() as u16, // checked: at most 255 UTF-16 units
                ..KeyNode::default()
            };
            let offset = self.heap.alloc(&child.encode(&name.bytes))?;
            self.touch(offset);
            keys[index] = KeyHandle(offset);
            entries.push(leaf_entry(kind, offset, &name.as_nt()));
            node.raise_max_subkey_name(name::utf16_byte_len(&name.as_nt()));
        }
        let leaves = entries
            .chunks(MAX_LEAF_ENTRIES)
            .map(|chunk| {
                let entries = chunk.to_vec();
                self.heap.alloc(&SubkeyList { kind, entries }.encode())
            })
            .collect::<Result<Vec<u32>, _>>()?;
        node.subkeys_list = match leaves.as_slice() {
            [only] => *only,
            _ => {
                let entries = leaves
                    .iter()
                    .map(|&offset| ListEntry {
                        offset,
                        hint_or_hash: 0,
                    })
                    .collect();
                let kind = ListKind::IndexRoot;
                self.heap.alloc(&SubkeyList { kind, entries }.encode())?
            }
        };
        node.subkey_count = count;
        self.write_key_node(parent.0, &node)?;
        self.touch(parent.0);
        Ok(keys)
    }
}
