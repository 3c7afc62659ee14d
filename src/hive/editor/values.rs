//! Values: setting (inline, one cell, or big data segments by hive version), deleting and reading.

use super::keys::check_distinct;
use super::path;
use super::{EditError, Editor, KeyHandle, data_offset};
use crate::error::FormatError;
use crate::hive::big_data::{self, BigData, SEGMENT_SIZE};
use crate::hive::cell::NO_CELL;
use crate::hive::key_node::KeyNode;
use crate::hive::key_value::{DATA_INLINE, INLINE_MAX, KeyValue, VALUE_COMP_NAME, VALUE_TOMBSTONE};
use crate::hive::name::{self, StoredName};
use crate::hive::offset_list;
use crate::hive::value_data;

/// A value's type and data, as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueData {
    pub data_type: u32,
    pub data: Vec<u8>,
}

/// Where a value's data went: the vk's data size and data offset fields.
struct StoredData {
    size: u32,
    offset: u32,
    /// The old data cell now holds (or was replaced by) the new data: the caller must not free it.
    reused: bool,
}

impl Editor {
    /// Create or replace the value `name` ("" = default value) of the existing key at `key_path`.
    pub fn set_value(
        &mut self,
        key_path: &str,
        name: &str,
        data_type: u32,
        data: &[u8],
    ) -> Result<(), EditError> {
        let key = self.existing_key(key_path)?;
        let stored_name = path::value_name(name)?;
        let mut node = self.key_node(key)?;
        let mut offsets = self.value_offsets(&node)?;
        let existing = self.find_value(&offsets, &stored_name)?;
        let mut old_cells = match existing {
            Some(value) => {
                let cells = self.value_data_cells(value)?;
                check_distinct([&cells[..], &[value, node.values_list, key]].concat())?;
                cells
            }
            None => Vec::new(),
        };
        // Data in one cell is rewritten in that cell when the new data fits there.
        let reusable = match old_cells.as_slice() {
            [only] => Some(*only),
            _ => None,
        };
        let stored = self.store_data(data, reusable)?;
        if stored.reused {
            old_cells.clear();
        }
        match existing {
            Some(value) => {
                let (mut vk, _) = self.key_value(value)?;
                vk.data_size = stored.size;
                vk.data_offset = stored.offset;
                vk.data_type = data_type;
                vk.flags &= !VALUE_TOMBSTONE;
                vk.write_header(self.heap.data_mut(value)?);
                for cell in old_cells {
                    self.heap.free(cell)?;
                }
            }
            None => {
                let vk = KeyValue {
                    name_len: stored_name.bytes.len() as u16, // at most 16383 UTF-16 units
                    data_size: stored.size,
                    data_offset: stored.offset,
                    data_type,
                    flags: if stored_name.compressed {
                        VALUE_COMP_NAME
                    } else {
                        0
                    },
                    spare: 0,
                };
                offsets.push(self.heap.alloc(&vk.encode(&stored_name.bytes))?);
                let list = offset_list::encode(&offsets);
                node.values_list = if node.value_count == 0 {
                    self.heap.alloc(&list)?
                } else {
                    self.heap.replace(node.values_list, &list)?
                };
                node.value_count = offsets.len() as u32;
            }
        }
        node.max_value_name = node
            .max_value_name
            .max(name::utf16_byte_len(&stored_name.as_nt()));
        node.max_value_data = node.max_value_data.max(data.len() as u32);
        self.write_key_node(key, &node)?;
        self.touch(key);
        Ok(())
    }

    /// Delete the value `name` of the key at `key_path`. Returns `false` when the key or the value
    /// does not exist.
    pub fn delete_value(&mut self, key_path: &str, name: &str) -> Result<bool, EditError> {
        let Some(found) = self.find(&path::components(key_path)?)? else {
            return Ok(false);
        };
        let key = found.key;
        let stored_name = path::value_name(name)?;
        let mut node = self.key_node(key)?;
        let mut offsets = self.value_offsets(&node)?;
        let Some(value) = self.find_value(&offsets, &stored_name)? else {
            return Ok(false);
        };
        let cells = self.value_data_cells(value)?;
        check_distinct([&cells[..], &[value, node.values_list, key]].concat())?;
        offsets.retain(|&o| o != value);
        if offsets.is_empty() {
            self.heap.free(node.values_list)?;
            node.values_list = NO_CELL;
        } else {
            self.heap
                .replace(node.values_list, &offset_list::encode(&offsets))?; // shrinks in place
        }
        node.value_count = offsets.len() as u32;
        self.write_key_node(key, &node)?;
        self.touch(key);
        for cell in cells {
            self.heap.free(cell)?;
        }
        self.heap.free(value)?;
        Ok(true)
    }

    /// The type and data of the value `name` of the key at `key_path`, if both exist.
    pub fn value(&self, key_path: &str, name: &str) -> Result<Option<ValueData>, EditError> {
        let Some(found) = self.find(&path::components(key_path)?)? else {
            return Ok(None);
        };
        let node = self.key_node(found.key)?;
        let offsets = self.value_offsets(&node)?;
        let Some(value) = self.find_value(&offsets, &path::value_name(name)?)? else {
            return Ok(None);
        };
        let (vk, _) = self.key_value(value)?;
        Ok(Some(ValueData {
            data_type: vk.data_type,
            data: self.read_data(value, &vk)?,
        }))
    }

    /// The names of the values of the key at `key_path`, in stored order.
    pub fn value_names(&self, key_path: &str) -> Result<Vec<String>, EditError> {
        let key = self.existing_key(key_path)?;
        let node = self.key_node(key)?;
        self.value_offsets(&node)?
            .into_iter()
            .map(|value| {
                let (vk, name) = self.key_value(value)?;
                Ok(name::as_nt(name, vk.name_is_compressed()).to_string_lossy())
            })
            .collect()
    }

    fn key_value(&self, offset: u32) -> Result<(KeyValue, &[u8]), FormatError> {
        KeyValue::parse(self.heap.data(offset)?, data_offset(offset))
    }

    /// The vk offsets of the key node `node`.
    pub(super) fn value_offsets(&self, node: &KeyNode) -> Result<Vec<u32>, FormatError> {
        if node.value_count == 0 {
            return Ok(Vec::new());
        }
        offset_list::parse(
            self.heap.data(node.values_list)?,
            node.value_count as usize,
            data_offset(node.values_list),
        )
    }

    fn find_value(&self, offsets: &[u32], name: &StoredName) -> Result<Option<u32>, FormatError> {
        let wanted = name.as_nt();
        for &offset in offsets {
            let (vk, stored) = self.key_value(offset)?;
            if name::as_nt(stored, vk.name_is_compressed()) == wanted {
                return Ok(Some(offset));
            }
        }
        Ok(None)
    }

    /// The big data record of `vk`, if its data is stored that way.
    fn big_data(&self, vk: &KeyValue) -> Result<Option<BigData>, FormatError> {
        if vk.is_inline() || !big_data::is_big(self.minor_version, vk.data_len() as usize) {
            return Ok(None);
        }
        let data = self.heap.data(vk.data_offset)?;
        // Some writers (hivex) store big values in one cell even in 1.5 hives.
        if data.get(..2) != Some(big_data::SIGNATURE) {
            return Ok(None);
        }
        BigData::parse(data, data_offset(vk.data_offset)).map(Some)
    }

    fn segments(&self, db: &BigData) -> Result<Vec<u32>, FormatError> {
        offset_list::parse(
            self.heap.data(db.segments_list)?,
            usize::from(db.segment_count),
            data_offset(db.segments_list),
        )
    }

    /// The cells holding the data of the value at `value` (not the vk itself), each checked to be
    /// an allocated cell.
    pub(super) fn value_data_cells(&self, value: u32) -> Result<Vec<u32>, FormatError> {
        let (vk, _) = self.key_value(value)?;
        if vk.is_inline() || vk.data_len() == 0 || vk.data_offset == NO_CELL {
            return Ok(Vec::new());
        }
        let mut cells = vec![vk.data_offset];
        if let Some(db) = self.big_data(&vk)? {
            cells.push(db.segments_list);
            cells.extend(self.segments(&db)?);
        }
        for &cell in &cells {
            self.heap.data(cell)?;
        }
        Ok(cells)
    }

    fn read_data(&self, value: u32, vk: &KeyValue) -> Result<Vec<u8>, FormatError> {
        value_data::read(vk, value, self.minor_version, |cell| self.heap.data(cell))
            .map(|stored| stored.bytes)
    }

    /// Store `data` the way a hive of this version does and return the vk fields pointing at it.
    /// Data that needs one cell goes into the cell `reusable` when given (in place if it fits).
    fn store_data(&mut self, data: &[u8], reusable: Option<u32>) -> Result<StoredData, EditError> {
        let too_big = || {
            EditError::Limit(format!(
                "value data of {} bytes is too large for a hive",
                data.len()
            ))
        };
        let size = u32::try_from(data.len())
            .ok()
            .filter(|s| s & DATA_INLINE == 0)
            .ok_or_else(too_big)?;
        if data.len() <= INLINE_MAX {
            let mut inline = [0u8; INLINE_MAX];
            inline[..data.len()].copy_from_slice(data);
            return Ok(StoredData {
                size: size | DATA_INLINE,
                offset: u32::from_le_bytes(inline),
                reused: false,
            });
        }
        if !big_data::is_big(self.minor_version, data.len()) {
            let offset = match reusable {
                Some(cell) => self.heap.replace(cell, data)?,
                None => self.heap.alloc(data)?,
            };
            return Ok(StoredData {
                size,
                offset,
                reused: reusable.is_some(),
            });
        }
        let segment_count =
            u16::try_from(data.len().div_ceil(SEGMENT_SIZE)).map_err(|_| too_big())?;
        // Every segment gets a whole segment's cell, the last one too, as Windows allocates
        // them: hivex and python-registry read each segment as its cell size less 8 bytes and
        // come up short on a last cell cut to fit (found by salvaging the Windows 7 hive).
        let segments = data
            .chunks(SEGMENT_SIZE)
            .map(|chunk| {
                let mut segment = chunk.to_vec();
                segment.resize(SEGMENT_SIZE, 0);
                self.heap.alloc(&segment)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let segments_list = self.heap.alloc(&offset_list::encode(&segments))?;
        let db = BigData {
            segment_count,
            segments_list,
        };
        Ok(StoredData {
            size,
            offset: self.heap.alloc(&db.encode())?,
            reused: false,
        })
    }
}

/// A value to add with [`Editor::add_values`]: the name in its stored form, type and data.
#[derive(Debug, Clone, Copy)]
pub struct NewValue<'a> {
    pub name: &'a StoredName,
    pub data_type: u32,
    pub data: &'a [u8],
}

impl Editor {
    /// Give `key`, which has no values yet, the values `values` in one go, in that order (one
    /// values list, data stored the way the hive version wants). Names must differ ignoring case.
    pub fn add_values(&mut self, key: KeyHandle, values: &[NewValue<'_>]) -> Result<(), EditError> {
        let mut node = self.key_node(key.0)?;
        if node.value_count != 0 {
            return Err(EditError::Limit(
                "values are added in one go only to a key without values".to_string(),
            ));
        }
        if values.is_empty() {
            return Ok(());
        }
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[a].name.as_nt().cmp(&values[b].name.as_nt()));
        for pair in order.windows(2) {
            if values[pair[0]].name.as_nt() == values[pair[1]].name.as_nt() {
                return Err(EditError::InvalidName {
                    name: values[pair[1]].name.as_nt().to_string_lossy(),
                    reason: "two values of one key cannot have the same name (ignoring case)",
                });
            }
        }
        for value in values {
            path::check_value_name(value.name)?;
        }
        let mut offsets = Vec::with_capacity(values.len());
        for value in values {
            let stored = self.store_data(value.data, None)?;
            let vk = KeyValue {
                name_len: value.name.bytes.len() as u16, // checked: at most 16383 UTF-16 units
                data_size: stored.size,
                data_offset: stored.offset,
                data_type: value.data_type,
                flags: if value.name.compressed {
                    VALUE_COMP_NAME
                } else {
                    0
                },
                spare: 0,
            };
            offsets.push(self.heap.alloc(&vk.encode(&value.name.bytes))?);
            node.max_value_name = node
                .max_value_name
                .max(name::utf16_byte_len(&value.name.as_nt()));
            node.max_value_data = node.max_value_data.max(value.data.len() as u32);
        }
        node.values_list = self.heap.alloc(&offset_list::encode(&offsets))?;
        node.value_count = offsets.len() as u32;
        self.write_key_node(key.0, &node)?;
        self.touch(key.0);
        Ok(())
    }
}
