//! The bytes of a value as stored: inline in its vk record, in one cell, or as big data (a `db`
//! record, its segment list and its segments). One reader for whatever holds the cells: the
//! editor's heap and salvage's readable cells.

use crate::error::FormatError;
use crate::hive::big_data::{self, BigData, SEGMENT_SIZE};
use crate::hive::cell::data_offset;
use crate::hive::key_value::KeyValue;
use crate::hive::offset_list;

/// A value's data and the cells it was read from.
pub struct StoredData {
    pub bytes: Vec<u8>,
    /// The data cell, and for big data the `db` record's segment list and segments; none for
    /// inline or empty data.
    pub cells: Vec<u32>,
}

/// The data of `vk` (the record at bins offset `value`) in a hive of format 1.`minor_version`;
/// `cell` gives the data of the cell at a bins offset, or why it cannot be had.
pub fn read<'a>(
    vk: &KeyValue,
    value: u32,
    minor_version: u32,
    cell: impl Fn(u32) -> Result<&'a [u8], FormatError>,
) -> Result<StoredData, FormatError> {
    if let Some(inline) = vk.inline_data() {
        return Ok(StoredData {
            bytes: inline,
            cells: Vec::new(),
        });
    }
    let len = vk.data_len() as usize;
    if len == 0 {
        return Ok(StoredData {
            bytes: Vec::new(),
            cells: Vec::new(),
        });
    }
    let short = |cell: u32| {
        FormatError::at(
            data_offset(cell),
            format!(
                "expected value data of {len} bytes (value at {:#x})",
                data_offset(value)
            ),
        )
    };
    let first = cell(vk.data_offset)?;
    // Some writers (hivex) store big values in one cell even in 1.5 hives.
    let is_db = big_data::is_big(minor_version, len)
        && first.get(..2) == Some(big_data::SIGNATURE.as_slice());
    if !is_db {
        let bytes = first.get(..len).ok_or_else(|| short(vk.data_offset))?;
        return Ok(StoredData {
            bytes: bytes.to_vec(),
            cells: vec![vk.data_offset],
        });
    }
    let db = BigData::parse(first, data_offset(vk.data_offset))?;
    let list = db.segments_list;
    let segments = offset_list::parse(
        cell(list)?,
        usize::from(db.segment_count),
        data_offset(list),
    )?;
    // The size field is untrusted: allocate only what the segments can hold.
    if len > segments.len() * SEGMENT_SIZE {
        return Err(short(list));
    }
    let mut bytes = Vec::with_capacity(len);
    for &segment in &segments {
        let take = (len - bytes.len()).min(SEGMENT_SIZE);
        bytes.extend_from_slice(cell(segment)?.get(..take).ok_or_else(|| short(segment))?);
    }
    if bytes.len() != len {
        return Err(short(list));
    }
    let mut cells = vec![vk.data_offset, list];
    cells.extend(segments);
    Ok(StoredData { bytes, cells })
}
