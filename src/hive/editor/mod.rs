//! The hive editor: a copy of a hive image patched in place. Every edit keeps the rules of
//! `regf-writer-rules.md`: sorted subkey lists of the kind the hive version and the key already use,
//! exact counts and security reference counts, freed cells marked free, new cells in free space or
//! in new bins at the end. Cells an edit does not touch stay byte-identical.
//!
//! Each edit reads and checks everything it depends on before its first change, so an edit refused
//! for bad input bytes or a format limit changes nothing. Only running out of room (a hive past
//! 2 GiB) can stop an edit half done; drop the editor then.

mod attributes;
mod error;
mod heap;
mod keys;
mod path;
mod subkeys;
mod values;

use std::collections::{BTreeSet, HashMap};

pub use error::EditError;
pub use path::{check_key_name, check_value_name};
pub use values::{NewValue, ValueData};

use crate::error::FormatError;
use crate::hive::base_block::{
    self, BASE_BLOCK_SIZE, BaseBlock, FILE_TYPE_PRIMARY, OFF_BINS_SIZE, OFF_CLUSTERING_FACTOR,
    OFF_FILE_FORMAT, OFF_FILE_TYPE, OFF_MAJOR_VERSION, OFF_MINOR_VERSION, OFF_PRIMARY_SEQUENCE,
    OFF_ROOT_CELL, OFF_SECONDARY_SEQUENCE, OFF_TIMESTAMP,
};
use crate::hive::cell::{CellHeader, NO_CELL, data_offset};
use crate::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader, PAGE_SIZE};
use crate::hive::key_node::{self, KEY_COMP_NAME, KEY_HIVE_ENTRY, KEY_NO_DELETE, KeyNode};
use crate::hive::le::{put_u32, put_u64};
use crate::hive::name::{self, StoredName};
use crate::hive::security::KeySecurity;
use heap::CellHeap;

/// An editable copy of a hive.
pub struct Editor {
    heap: CellHeap,
    minor_version: u32,
    root: u32,
    /// FILETIME written into the base block and into every key whose subkeys or values changed.
    timestamp: u64,
    /// The written sequence numbers are above both this and the input's.
    minimum_sequence: u32,
    /// Key nodes whose last written time is set to `timestamp` by [`Editor::finish`].
    touched: BTreeSet<u32>,
    /// Security descriptor -> its sk cell, built on the first [`Editor::set_security`] and
    /// dropped whenever an sk cell is freed.
    security_cells: Option<HashMap<Vec<u8>, u32>>,
    /// The input passed the full structural check, so no cell is used by two structures.
    input_whole: bool,
}

/// A key of the hive being edited, by the offset of its key node: what a caller building a hive
/// key by key holds instead of a path. Valid until that key is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHandle(u32);

impl Editor {
    /// Take a copy of a clean hive or of a hive image after log replay. Bytes past the hive bins
    /// the base block declares are dropped. The last written time defaults to the input's.
    pub fn open(bytes: &[u8]) -> Result<Self, FormatError> {
        let base = BaseBlock::parse(bytes)?;
        base.validate_primary(bytes.len() as u64)?;
        let end = BASE_BLOCK_SIZE + base.bins_size as usize;
        let hive = bytes.get(..end).ok_or_else(|| {
            FormatError::at(
                OFF_BINS_SIZE as u64,
                "the hive bins run past the end of the file",
            )
        })?;
        // Room to grow by a sixteenth before the first reallocation copies the image.
        let mut image = Vec::with_capacity(end + end / 16 + PAGE_SIZE as usize);
        image.extend_from_slice(hive);
        let editor = Self {
            heap: CellHeap::new(image)?,
            minor_version: base.minor_version,
            root: base.root_cell_offset,
            timestamp: base.timestamp,
            minimum_sequence: base.primary_sequence.max(base.secondary_sequence),
            touched: BTreeSet::new(),
            security_cells: None,
            input_whole: false,
        };
        editor.key_node(editor.root)?;
        Ok(editor)
    }

    /// Say that the image given to [`Editor::open`] passed the full structural check
    /// (`hive::check`) with no problem: no cell of it is used by two structures, and the
    /// editor's own edits never share one, so a deleted key's cells cannot be referred to from
    /// outside it and the walk of the whole hive that looks for such referrers is skipped.
    pub fn input_checked_whole(&mut self) {
        self.input_whole = true;
    }

    /// A new hive of format 1.`minor_version` (3 to 6) holding only its root key, named
    /// `root_name`, protected by the self-relative `security_descriptor`.
    pub fn new_empty(
        minor_version: u32,
        root_name: &str,
        security_descriptor: &[u8],
    ) -> Result<Self, EditError> {
        Self::with_root(
            minor_version,
            &path::key_name(root_name)?,
            security_descriptor,
        )
    }

    /// [`Editor::new_empty`] with the root key's name in a given stored form (a copy keeps the
    /// form of its original: Latin-1 or UTF-16).
    pub fn with_root(
        minor_version: u32,
        name: &StoredName,
        security_descriptor: &[u8],
    ) -> Result<Self, EditError> {
        if !(3..=6).contains(&minor_version) {
            return Err(EditError::Limit(format!(
                "hive format 1.{minor_version} cannot be written; expected 1.3 to 1.6"
            )));
        }
        path::check_key_name(name)?;
        let mut image = vec![0u8; BASE_BLOCK_SIZE + PAGE_SIZE as usize];
        let base = &mut image[..BASE_BLOCK_SIZE];
        base[..4].copy_from_slice(base_block::SIGNATURE);
        put_u32(base, OFF_MAJOR_VERSION, 1);
        put_u32(base, OFF_MINOR_VERSION, minor_version);
        put_u32(base, OFF_FILE_FORMAT, 1);
        put_u32(base, OFF_CLUSTERING_FACTOR, 1);
        let bin = HbinHeader {
            offset: 0,
            size: PAGE_SIZE,
            timestamp: 0,
        };
        image[BASE_BLOCK_SIZE..][..HBIN_HEADER_SIZE as usize].copy_from_slice(&bin.encode());
        let free = CellHeader {
            size: PAGE_SIZE - HBIN_HEADER_SIZE,
            allocated: false,
        };
        free.write(&mut image, BASE_BLOCK_SIZE + HBIN_HEADER_SIZE as usize);
        let mut heap = CellHeap::new(image)?;

        let root_node = KeyNode {
            flags: KEY_HIVE_ENTRY | KEY_NO_DELETE | if name.compressed { KEY_COMP_NAME } else { 0 },
            parent: NO_CELL,
            subkeys_list: NO_CELL,
            volatile_subkeys_list: NO_CELL,
            values_list: NO_CELL,
            class_name: NO_CELL,
            name_len: name.bytes.len() as u16,
            ..KeyNode::default()
        };
        let root = heap.alloc(&root_node.encode(&name.bytes))?;
        let descriptor_len = u32::try_from(security_descriptor.len())
            .map_err(|_| EditError::Limit("the security descriptor is too large".to_string()))?;
        let sk = KeySecurity {
            descriptor_len,
            reference_count: 1,
            ..KeySecurity::default()
        };
        let sk_offset = heap.alloc(&sk.encode(security_descriptor))?;
        // A lone sk is a circular list of one.
        KeySecurity {
            flink: sk_offset,
            blink: sk_offset,
            ..sk
        }
        .write_header(heap.data_mut(sk_offset)?);
        KeyNode {
            security: sk_offset,
            ..root_node
        }
        .write_header(heap.data_mut(root)?);
        put_u32(heap.base_block_mut(), OFF_ROOT_CELL, root);
        Ok(Self {
            heap,
            minor_version,
            root,
            timestamp: 0,
            minimum_sequence: 0,
            touched: BTreeSet::from([root]),
            security_cells: None,
            // Built here: nothing shares a cell.
            input_whole: true,
        })
    }

    /// The FILETIME written as last written time of the hive and of every key whose subkeys or
    /// values change, whenever it is set.
    pub fn set_timestamp(&mut self, filetime: u64) {
        self.timestamp = filetime;
    }

    /// Make the written sequence numbers greater than `sequence` too (e.g. the highest sequence
    /// number found in the transaction logs), so that no stale log entry applies to the output.
    pub fn set_minimum_sequence(&mut self, sequence: u32) {
        self.minimum_sequence = self.minimum_sequence.max(sequence);
    }

    pub fn minor_version(&self) -> u32 {
        self.minor_version
    }

    /// The root key.
    pub fn root_key(&self) -> KeyHandle {
        KeyHandle(self.root)
    }

    /// The complete new image: clean base block (equal sequence numbers above the input's, bins
    /// size, last written time, checksum) and the hive bins, with no trailing bytes.
    pub fn finish(mut self) -> Vec<u8> {
        for &offset in &self.touched {
            // Only nodes still allocated are in `touched`; the check keeps a stale entry harmless.
            if let Ok(data) = self.heap.data_mut(offset) {
                if data.len() >= key_node::HEADER_SIZE && data.starts_with(key_node::SIGNATURE) {
                    put_u64(data, 4, self.timestamp);
                }
            }
        }
        let sequence = self.minimum_sequence.saturating_add(1);
        let bins_len = self.heap.bins_len();
        let base = self.heap.base_block_mut();
        put_u32(base, OFF_PRIMARY_SEQUENCE, sequence);
        put_u32(base, OFF_SECONDARY_SEQUENCE, sequence);
        put_u64(base, OFF_TIMESTAMP, self.timestamp);
        put_u32(base, OFF_BINS_SIZE, bins_len);
        // Fields a reader checks that a damaged input may carry: the written hive has the
        // values every Windows since 8 writes (found by fuzzing: a clustering factor of
        // 0xFF000001 passed through, and nt-hive refused the output).
        put_u32(base, OFF_FILE_TYPE, FILE_TYPE_PRIMARY);
        put_u32(base, OFF_FILE_FORMAT, 1);
        put_u32(base, OFF_CLUSTERING_FACTOR, 1);
        base_block::write_checksum(base);
        self.heap.into_image()
    }

    /// The fixed fields of the key node at `offset`.
    fn key_node(&self, offset: u32) -> Result<KeyNode, FormatError> {
        Ok(KeyNode::parse(self.heap.data(offset)?, data_offset(offset))?.0)
    }

    fn write_key_node(&mut self, offset: u32, node: &KeyNode) -> Result<(), FormatError> {
        node.write_header(self.heap.data_mut(offset)?);
        Ok(())
    }

    /// Record that the subkeys or values of the key at `offset` changed.
    fn touch(&mut self, offset: u32) {
        self.touched.insert(offset);
    }

    /// The name of the key at `offset`, as stored.
    fn key_name(&self, offset: u32) -> Result<nt_hive::NtHiveNameString<'_>, FormatError> {
        let (name, compressed) = KeyNode::parse_name(self.heap.data(offset)?, data_offset(offset))?;
        Ok(name::as_nt(name, compressed))
    }
}

#[cfg(test)]
mod tests;
