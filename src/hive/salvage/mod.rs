//! Salvage: a fresh hive rebuilt from everything readable in a damaged one, the way a compacting
//! save does. Every key reachable from the root is copied with its values (type and exact data),
//! class name, security descriptor, flags and last written time, into new bins through the
//! editor (lists sorted, hashes computed, reference counts exact). What cannot be read is left
//! out and reported: each key, value, list, class name or descriptor, with its path, the file
//! offset of the fault and why.

mod cells;
mod read;

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock};
use crate::hive::builder::DEFAULT_SECURITY_DESCRIPTOR;
use crate::hive::editor::{EditError, Editor, KeyHandle, NewValue};
use crate::hive::key_node::MAX_SUBKEY_NAME_MASK;
use crate::hive::name::StoredName;
use cells::{InputCells, file_offset};
use read::{Input, InputKey, InputValue, data_offset};

/// The salvaged hive and what it lost.
#[derive(Debug, Clone)]
pub struct Salvaged {
    /// The new hive image (base block and bins).
    pub bytes: Vec<u8>,
    /// Everything left out, in the order met (depth first, subkeys in name order).
    pub dropped: Vec<Dropped>,
    /// Keys written, the root included.
    pub keys: u64,
    /// Values written.
    pub values: u64,
}

/// One part of the input that could not be read and is missing from the salvaged hive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// The key it belonged to (or, for a key, the key itself when its name could be read), from
    /// the root, names as stored.
    pub path: String,
    /// The value's name, for a dropped value.
    pub value: Option<String>,
    /// File offset of the fault.
    pub offset: Option<u64>,
    pub what: DroppedKind,
    pub reason: String,
}

/// What was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DroppedKind {
    /// A subkey, with everything below it.
    Key,
    /// A subkey list, with every subkey it held.
    Subkeys,
    /// A value.
    Value,
    /// The values list, with every value of the key.
    Values,
    /// The class name.
    Class,
    /// The security descriptor: the key keeps its parent's.
    Security,
}

/// Rebuild the hive image `bytes` (a primary, or the image after log replay). Fails only when
/// there is nothing to rebuild from: no base block, a format the editor cannot write, or an
/// unreadable root key.
pub fn salvage(bytes: &[u8]) -> Result<Salvaged, FormatError> {
    let base = BaseBlock::parse(bytes)?;
    if base.major_version != 1 || !(3..=6).contains(&base.minor_version) {
        return Err(FormatError::at(
            20,
            format!(
                "cannot salvage a hive of format {}; expected 1.3 to 1.6",
                base.version()
            ),
        ));
    }
    let bins = bytes.get(BASE_BLOCK_SIZE..).unwrap_or_default();
    let bins = &bins[..bins.len().min(base.bins_size as usize)];
    let mut input = Input::new(InputCells::new(bins), base.minor_version);
    let root = input.key(base.root_cell_offset).map_err(|e| {
        e.with_context("the root key cannot be read, so there is nothing to salvage")
    })?;
    let mut salvage = Salvage::default();
    let descriptor = match input.security(&root) {
        Ok(descriptor) => descriptor,
        Err(e) => {
            salvage.drop(String::new(), None, DroppedKind::Security, e);
            &DEFAULT_SECURITY_DESCRIPTOR
        }
    };
    let mut editor = Editor::with_root(base.minor_version, &root.name, descriptor)
        .map_err(|e| write_error(&e))?;
    editor.set_timestamp(base.timestamp);
    editor.set_minimum_sequence(base.primary_sequence.max(base.secondary_sequence));
    let mut stack = vec![KeyToCopy {
        key: root,
        handle: editor.root_key(),
        path: String::new(),
    }];
    while let Some(key) = stack.pop() {
        let children = salvage
            .copy_key(&mut input, &mut editor, &key)
            .map_err(|e| write_error(&e))?;
        for child in children.into_iter().rev() {
            stack.push(child);
        }
    }
    Ok(Salvaged {
        bytes: editor.finish(),
        dropped: salvage.dropped,
        keys: salvage.keys,
        values: salvage.values,
    })
}

fn write_error(e: &EditError) -> FormatError {
    FormatError::new(format!("cannot write the salvaged hive: {e}"))
}

/// `parent\child`, or `child` under the root.
fn join(parent: &str, child: &str) -> String {
    if parent.is_empty() {
        child.to_string()
    } else {
        format!("{parent}\\{child}")
    }
}

fn display(name: &StoredName) -> String {
    name.as_nt().to_string_lossy()
}

/// Indices of `names` to keep: the first of every name (ignoring case), in the original order.
fn first_of_each_name(names: &[&StoredName]) -> Vec<bool> {
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].as_nt().cmp(&names[b].as_nt()).then(a.cmp(&b)));
    let mut keep = vec![true; names.len()];
    for pair in order.windows(2) {
        if names[pair[0]].as_nt() == names[pair[1]].as_nt() {
            keep[pair[1]] = false;
        }
    }
    keep
}

/// A key read from the input, the key written for it, and its path (for `Dropped`).
struct KeyToCopy {
    key: InputKey,
    handle: KeyHandle,
    path: String,
}

#[derive(Default)]
struct Salvage {
    dropped: Vec<Dropped>,
    keys: u64,
    values: u64,
}

impl Salvage {
    fn drop(&mut self, path: String, value: Option<String>, what: DroppedKind, e: FormatError) {
        self.dropped.push(Dropped {
            path,
            value,
            offset: e.offset,
            what,
            reason: e.message,
        });
    }

    /// Copy what `key` holds onto the written key `handle`: descriptor, flags, class, values and
    /// its subkeys (created empty); returns the subkeys to copy next, in name order.
    fn copy_key(
        &mut self,
        input: &mut Input<'_>,
        editor: &mut Editor,
        to_copy: &KeyToCopy,
    ) -> Result<Vec<KeyToCopy>, EditError> {
        let (key, handle, path) = (&to_copy.key, to_copy.handle, to_copy.path.as_str());
        self.keys += 1;
        match input.security(key) {
            Ok(descriptor) => editor.set_security(handle, descriptor)?,
            // The root's was handled when the editor was made.
            Err(_) if path.is_empty() => {}
            Err(e) => self.drop(path.to_string(), None, DroppedKind::Security, e),
        }
        let node = &key.node;
        editor.set_flags(
            handle,
            node.flags,
            node.access_bits,
            node.max_subkey_name & !MAX_SUBKEY_NAME_MASK,
        )?;
        match input.class_name(key) {
            Ok(Some(class)) => editor.set_class_name(handle, &class)?,
            Ok(None) => {}
            Err(e) => self.drop(path.to_string(), None, DroppedKind::Class, e),
        }
        self.copy_values(input, editor, to_copy)?;
        let children = self.read_subkeys(input, key, path);
        let names: Vec<StoredName> = children.iter().map(|c| c.name.clone()).collect();
        let handles = editor.create_subkeys(handle, &names)?;
        editor.set_last_written(handle, node.last_written)?;
        Ok(children
            .into_iter()
            .zip(handles)
            .map(|(child, handle)| KeyToCopy {
                path: join(path, &display(&child.name)),
                key: child,
                handle,
            })
            .collect())
    }

    fn copy_values(
        &mut self,
        input: &mut Input<'_>,
        editor: &mut Editor,
        to_copy: &KeyToCopy,
    ) -> Result<(), EditError> {
        let path = to_copy.path.as_str();
        let offsets = match input.value_offsets(&to_copy.key) {
            Ok(offsets) => offsets,
            Err(e) => {
                self.drop(path.to_string(), None, DroppedKind::Values, e);
                return Ok(());
            }
        };
        let mut values: Vec<InputValue> = Vec::with_capacity(offsets.len());
        for offset in offsets {
            match input.value(offset) {
                Ok(value) => values.push(value),
                Err(e) => {
                    let name = format!("(value at {:#x})", file_offset(offset));
                    self.drop(path.to_string(), Some(name), DroppedKind::Value, e);
                }
            }
        }
        let names: Vec<&StoredName> = values.iter().map(|v| &v.name).collect();
        let keep = first_of_each_name(&names);
        let mut kept = Vec::with_capacity(values.len());
        for (value, keep) in values.iter().zip(keep) {
            if keep {
                kept.push(NewValue {
                    name: &value.name,
                    data_type: value.data_type,
                    data: &value.data,
                });
            } else {
                let e = FormatError::new("a value of the same name (ignoring case) came first");
                self.drop(
                    path.to_string(),
                    Some(display(&value.name)),
                    DroppedKind::Value,
                    e,
                );
            }
        }
        self.values += kept.len() as u64;
        editor.add_values(to_copy.handle, &kept)
    }

    /// The readable subkeys of `key`, each name once, in list order.
    fn read_subkeys(&mut self, input: &mut Input<'_>, key: &InputKey, path: &str) -> Vec<InputKey> {
        let (offsets, errors) = input.subkey_offsets(key);
        for e in errors {
            self.drop(path.to_string(), None, DroppedKind::Subkeys, e);
        }
        let mut children = Vec::with_capacity(offsets.len());
        for offset in offsets {
            match input.key(offset) {
                Ok(child) => children.push(child),
                Err(e) => {
                    let unknown = join(path, &format!("(key at {:#x})", file_offset(offset)));
                    self.drop(unknown, None, DroppedKind::Key, e);
                }
            }
        }
        let names: Vec<&StoredName> = children.iter().map(|c| &c.name).collect();
        let keep = first_of_each_name(&names);
        let mut kept = Vec::with_capacity(children.len());
        for (child, keep) in children.into_iter().zip(keep) {
            if keep {
                kept.push(child);
            } else {
                let e = FormatError::at(
                    data_offset(child.offset),
                    "a subkey of the same name (ignoring case) came first",
                );
                self.drop(join(path, &display(&child.name)), None, DroppedKind::Key, e);
            }
        }
        kept
    }
}

#[cfg(test)]
mod tests;
