//! Values: the key's value list, each value record, and its data (inline in the record,
//! resident in one cell, or big data: a `db` record, its segment list and segments).

use super::cells::data_offset;
use super::keys::UnusedCell;
use super::problem::ProblemKind;
use super::walk::Walker;
use crate::hive::big_data::{self, BigData, SEGMENT_SIZE};
use crate::hive::key_node::KeyNode;
use crate::hive::key_value::{INLINE_MAX, KeyValue, VALUE_COMP_NAME, VALUE_TOMBSTONE};
use crate::hive::offset_list;

impl Walker<'_> {
    /// Check the value list of `key` and every value in it.
    pub(super) fn check_values(&mut self, key: u32, node: &KeyNode) {
        if node.value_count == 0 {
            self.expect_no_cell(key, node, UnusedCell::ValueList);
            return;
        }
        let list = node.values_list;
        let Some(data) = self.use_cell(key, list, || "value list".to_string()) else {
            return;
        };
        let offsets = match offset_list::parse(data, node.value_count as usize, data_offset(list)) {
            Ok(offsets) => offsets,
            Err(e) => {
                return self.bad_record(
                    ProblemKind::ValueList,
                    key,
                    e.with_context(&format!("the key has {} values", node.value_count)),
                );
            }
        };
        self.cells.touch(offsets.iter().copied());
        for (i, value) in offsets.into_iter().enumerate() {
            let what = || format!("value {i} of the value list at {:#x}", data_offset(list));
            let Some(data) = self.use_cell(key, value, what) else {
                continue;
            };
            match KeyValue::parse(data, data_offset(value)) {
                Ok((vk, name)) => {
                    self.values += 1;
                    if has_nul(name, vk.flags & VALUE_COMP_NAME != 0) {
                        self.report(
                            ProblemKind::Value,
                            key,
                            data_offset(value) + 20,
                            "expected a value name without NUL characters, found one (readers \
                             disagree on where such a name ends; key names with one they read \
                             alike)"
                                .to_string(),
                        );
                    }
                    // Windows reads only the compressed-name and tombstone (differencing hives)
                    // bits; readers that test the whole field decode the name of a value with
                    // other bits set differently.
                    if vk.flags & !(VALUE_COMP_NAME | VALUE_TOMBSTONE) != 0 {
                        self.report(
                            ProblemKind::Value,
                            key,
                            data_offset(value) + 16,
                            format!(
                                "expected no value flags but 0x1 (compressed name) and 0x2 \
                                 (tombstone), found {:#x}",
                                vk.flags
                            ),
                        );
                    }
                    self.check_data(key, value, &vk);
                }
                Err(e) => self.bad_record(ProblemKind::Value, key, e),
            }
        }
    }

    /// The data of the value at `value`.
    fn check_data(&mut self, key: u32, value: u32, vk: &KeyValue) {
        let len = vk.data_len() as usize;
        if vk.is_inline() {
            if len > INLINE_MAX {
                self.report(
                    ProblemKind::ValueData,
                    key,
                    data_offset(value) + 4,
                    format!(
                        "expected inline data of at most {INLINE_MAX} bytes, found a length of {len}"
                    ),
                );
            }
            return;
        }
        if len == 0 {
            // No data: Windows reads nothing, whatever the offset says.
            return;
        }
        let what = || format!("data of the value at {:#x}", data_offset(value));
        let Some(data) = self.use_cell(key, vk.data_offset, what) else {
            return;
        };
        if big_data::is_big(self.minor_version, len) {
            self.check_big_data(key, vk.data_offset, data, len);
        } else if data.len() < len {
            self.report(
                ProblemKind::ValueData,
                key,
                data_offset(vk.data_offset),
                format!(
                    "expected {len} bytes of value data, the cell holds {}",
                    data.len()
                ),
            );
        }
    }

    /// Big data of `len` bytes: the `db` record at `db` (data `data`), its segment list and
    /// segments, each but the last holding [`SEGMENT_SIZE`] bytes.
    fn check_big_data(&mut self, key: u32, db: u32, data: &[u8], len: usize) {
        let record = match BigData::parse(data, data_offset(db)) {
            Ok(record) => record,
            Err(e) => {
                return self.bad_record(
                    ProblemKind::ValueData,
                    key,
                    e.with_context(&format!(
                        "{len} bytes of data in a version 1.{} hive are big data",
                        self.minor_version
                    )),
                );
            }
        };
        let needed = len.div_ceil(SEGMENT_SIZE);
        if usize::from(record.segment_count) != needed {
            self.report(
                ProblemKind::ValueData,
                key,
                data_offset(db) + 2,
                format!(
                    "expected {needed} big data segments for {len} bytes, found {}",
                    record.segment_count
                ),
            );
            return;
        }
        let list = record.segments_list;
        let Some(list_data) = self.use_cell(key, list, || {
            format!("segment list of the big data at {:#x}", data_offset(db))
        }) else {
            return;
        };
        let segments = match offset_list::parse(list_data, needed, data_offset(list)) {
            Ok(segments) => segments,
            Err(e) => return self.bad_record(ProblemKind::ValueData, key, e),
        };
        for (i, segment) in segments.into_iter().enumerate() {
            let what = || format!("segment {i} of the big data at {:#x}", data_offset(db));
            let Some(bytes) = self.use_cell(key, segment, what) else {
                continue;
            };
            let expected = (len - i * SEGMENT_SIZE).min(SEGMENT_SIZE);
            if bytes.len() < expected {
                self.report(
                    ProblemKind::ValueData,
                    key,
                    data_offset(segment),
                    format!(
                        "expected {expected} bytes in big data segment {i}, the cell holds {}",
                        bytes.len()
                    ),
                );
            }
        }
    }
}

/// Whether a stored name (Latin-1 bytes when `compressed`, else UTF-16LE) holds a NUL.
fn has_nul(name: &[u8], compressed: bool) -> bool {
    if compressed {
        name.contains(&0)
    } else {
        name.chunks_exact(2).any(|unit| unit == [0, 0])
    }
}
