//! One key node: its record, its parent link and flags, and everything it points to.

use super::cells::data_offset;
use super::problem::ProblemKind;
use super::walk::{MAX_DEPTH, Pending, Walker};
use crate::hive::cell::NO_CELL;
use crate::hive::key_node::{KEY_HIVE_ENTRY, KeyNode};

impl Walker<'_> {
    /// Check the key of `pending` (already claimed) and queue its subkeys on `stack`.
    pub(super) fn check_key(&mut self, pending: &Pending, stack: &mut Vec<Pending>) {
        let key = pending.key;
        let owner = if key == self.root {
            key
        } else {
            pending.parent
        };
        let Some(data) = self.cell_data(owner, key, || "key node".to_string()) else {
            return;
        };
        let node = match KeyNode::parse(data, data_offset(key)) {
            Ok((node, _)) => node,
            Err(e) => return self.bad_record(ProblemKind::KeyNode, owner, e),
        };
        if node.name_len == 0 {
            self.report(
                ProblemKind::KeyNode,
                owner,
                data_offset(key) + 72,
                "expected a key name, found a name length of 0".to_string(),
            );
        }
        // 0x0100 to 0x0800: the virtualization bits of SOFTWARE hives and bits no Windows
        // defines; readers refuse or warn on them (the user flags 0xF000 are common and read).
        if node.flags & UNREAD_KEY_FLAGS != 0 {
            self.report(
                ProblemKind::KeyNode,
                key,
                data_offset(key) + 2,
                format!(
                    "expected no key flags in {UNREAD_KEY_FLAGS:#06x}, found {:#06x}",
                    node.flags
                ),
            );
        }
        if key != self.root && node.parent != pending.parent {
            self.misparented(key, pending.parent);
            self.report(
                ProblemKind::KeyNode,
                key,
                data_offset(key) + 16,
                format!(
                    "expected the parent field to name the key whose subkey list holds this \
                     one ({:#x}), found {:#x}",
                    pending.parent, node.parent
                ),
            );
        }
        let hive_entry = node.flags & KEY_HIVE_ENTRY != 0;
        if hive_entry != (key == self.root) {
            let expected = if key == self.root {
                "the root key to be flagged KEY_HIVE_ENTRY (0x4), it is not"
            } else {
                "only the root key to be flagged KEY_HIVE_ENTRY (0x4), found it on a subkey"
            };
            self.report(
                ProblemKind::KeyNode,
                key,
                data_offset(key) + 2,
                format!("expected {expected}"),
            );
        }
        if pending.depth == MAX_DEPTH + 1 {
            self.report(
                ProblemKind::KeyTree,
                key,
                data_offset(key),
                format!("expected at most {MAX_DEPTH} levels of keys, found more"),
            );
        }
        self.note_security(key, node.security);
        self.check_class(key, &node);
        self.check_values(key, &node);
        self.check_subkeys(key, &node, pending.depth, stack);
    }

    /// The class name: a cell large enough for the length the key node gives.
    fn check_class(&mut self, key: u32, node: &KeyNode) {
        if node.class_name_len == 0 {
            self.expect_no_cell(key, node, UnusedCell::Class);
            return;
        }
        if node.class_name == NO_CELL {
            self.report(
                ProblemKind::Class,
                key,
                data_offset(key) + 74,
                format!(
                    "expected a class name cell for the class length {}, found none",
                    node.class_name_len
                ),
            );
            return;
        }
        let Some(data) = self.use_cell(key, node.class_name, || "class name".to_string()) else {
            return;
        };
        if data.len() < usize::from(node.class_name_len) {
            self.report(
                ProblemKind::Class,
                key,
                data_offset(node.class_name),
                format!(
                    "expected a class name of {} bytes, the cell holds {}",
                    node.class_name_len,
                    data.len()
                ),
            );
        }
    }
}

/// Key flags no reader of the corpus takes in a SYSTEM hive.
const UNREAD_KEY_FLAGS: u16 = 0x0F00;

/// A cell offset of a key node beside a count or length that is 0.
#[derive(Debug, Clone, Copy)]
pub(super) enum UnusedCell {
    Class,
    SubkeyList,
    ValueList,
}

impl Walker<'_> {
    /// An offset beside a count or length of 0 must be 0xffffffff: Windows reads nothing there
    /// (and its check resets a stale offset), but independent readers follow any other value.
    pub(super) fn expect_no_cell(&mut self, key: u32, node: &KeyNode, field: UnusedCell) {
        // The problem, where the field is past the key's data, and what it should name.
        let (kind, at, offset, what) = match field {
            UnusedCell::Class => (
                ProblemKind::Class,
                48,
                node.class_name,
                "class name cell (0xffffffff) for a class length of 0",
            ),
            UnusedCell::SubkeyList => (
                ProblemKind::SubkeyList,
                28,
                node.subkeys_list,
                "subkey list (0xffffffff) for a key without subkeys",
            ),
            UnusedCell::ValueList => (
                ProblemKind::ValueList,
                40,
                node.values_list,
                "value list (0xffffffff) for a key without values",
            ),
        };
        if offset != NO_CELL {
            self.report(
                kind,
                key,
                data_offset(key) + at,
                format!("expected no {what}, found {offset:#x}"),
            );
        }
    }
}
