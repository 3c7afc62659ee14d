//! Subkey lists: an lf, lh or li leaf, or an ri root of leaves, whose elements add up to the
//! key's subkey count, name key nodes sorted by Windows' upcased comparison, and carry right
//! hints (lf) and hashes (lh).

use std::cmp::Ordering;

use nt_hive::NtHiveNameString;

use super::cells::data_offset;
use super::keys::UnusedCell;
use super::problem::ProblemKind;
use super::walk::{Pending, Walker};
use crate::hive::key_node::{self, KeyNode};
use crate::hive::name;
use crate::hive::subkey_list::{ListKind, SubkeyList};

impl<'h> Walker<'h> {
    /// Check the subkey list of `key` and queue each subkey it names.
    pub(super) fn check_subkeys(
        &mut self,
        key: u32,
        node: &KeyNode,
        depth: u32,
        stack: &mut Vec<Pending>,
    ) {
        if node.subkey_count == 0 {
            self.expect_no_cell(key, node, UnusedCell::SubkeyList);
            return;
        }
        let Some(leaves) = self.leaves(key, node.subkeys_list) else {
            return;
        };
        let listed: usize = leaves.iter().map(|(_, leaf)| leaf.entries.len()).sum();
        if listed != node.subkey_count as usize {
            self.report(
                ProblemKind::SubkeyList,
                key,
                data_offset(key) + 20,
                format!(
                    "expected the subkey list to hold the key's {} subkeys, it holds {listed}",
                    node.subkey_count
                ),
            );
        }
        self.cells.touch(
            leaves
                .iter()
                .flat_map(|(_, leaf)| leaf.entries.iter().map(|entry| entry.offset)),
        );
        let mut previous: Option<NtHiveNameString<'h>> = None;
        for (leaf_offset, leaf) in leaves {
            for (i, entry) in leaf.entries.iter().enumerate() {
                let child = entry.offset;
                self.refer(key, child);
                let what = || {
                    format!(
                        "element {i} of the subkey list at {:#x}",
                        data_offset(leaf_offset)
                    )
                };
                let Some(data) = self.cell_data(key, child, what) else {
                    continue;
                };
                let name = match KeyNode::parse_name(data, data_offset(child)) {
                    Ok((bytes, compressed)) => name::as_nt(bytes, compressed),
                    Err(e) => {
                        self.bad_record(ProblemKind::KeyNode, key, e);
                        continue;
                    }
                };
                self.check_hint(key, leaf.kind, leaf_offset, i, entry.hint_or_hash, &name);
                if let Some(before) = &previous {
                    if name_order(before, &name) != Ordering::Less {
                        self.report(
                            ProblemKind::SubkeyList,
                            key,
                            data_offset(leaf_offset),
                            format!(
                                "expected subkeys sorted by upcased name, found {:?} after {:?}",
                                name.to_string_lossy(),
                                before.to_string_lossy()
                            ),
                        );
                    }
                }
                previous = Some(name);
                stack.push(Pending {
                    key: child,
                    parent: key,
                    depth: depth + 1,
                });
            }
        }
    }

    /// The leaves of the list at `list` (the list itself, or the leaves of an ri), each claimed.
    fn leaves(&mut self, key: u32, list: u32) -> Option<Vec<(u32, SubkeyList)>> {
        let root = self.list(key, list, || "subkey list".to_string())?;
        if root.kind.is_leaf() {
            return Some(vec![(list, root)]);
        }
        let mut leaves = Vec::with_capacity(root.entries.len());
        // Leaves of an ri cannot be ri themselves; a bound on the elements keeps a crafted
        // list from making the walk long: no hive holds more keys than its size allows.
        let mut total = 0usize;
        let max = key_node::max_keys(self.cells.bins().len());
        for (i, entry) in root.entries.iter().enumerate() {
            let what = format!("leaf {i} of the index root at {:#x}", data_offset(list));
            let Some(leaf) = self.list(key, entry.offset, || what.clone()) else {
                continue;
            };
            if leaf.kind == ListKind::IndexRoot {
                self.report(
                    ProblemKind::SubkeyList,
                    key,
                    data_offset(entry.offset),
                    format!("expected the {what} to be an lf, lh or li leaf, found an ri"),
                );
                continue;
            }
            total += leaf.entries.len();
            if total > max {
                self.report(
                    ProblemKind::SubkeyList,
                    key,
                    data_offset(list),
                    format!(
                        "expected at most {max} subkeys in {} bytes of hive bins, the leaves of \
                         this index root list more",
                        self.cells.bins().len()
                    ),
                );
                return None;
            }
            leaves.push((entry.offset, leaf));
        }
        Some(leaves)
    }

    /// The subkey list record at `offset`, claimed for `key`.
    fn list(&mut self, key: u32, offset: u32, what: impl Fn() -> String) -> Option<SubkeyList> {
        let data = self.use_cell(key, offset, what)?;
        match SubkeyList::parse(data, data_offset(offset)) {
            Ok(list) => Some(list),
            Err(e) => {
                self.bad_record(ProblemKind::SubkeyList, key, e);
                None
            }
        }
    }

    /// The lf hint or lh hash stored beside element `i` must match the subkey's name. Hints
    /// are compared as Windows uses them, ignoring case, and only where both characters are
    /// ASCII: Windows' own hints for other characters follow a code page (zoo/CompHive).
    fn check_hint(
        &mut self,
        key: u32,
        kind: ListKind,
        leaf: u32,
        i: usize,
        stored: u32,
        name: &NtHiveNameString<'_>,
    ) {
        let (expected, right) = match kind {
            ListKind::FastLeaf => {
                let expected = name::lf_hint(name);
                let right = hints_agree(expected, stored.to_le_bytes());
                (u32::from_le_bytes(expected), right)
            }
            ListKind::HashLeaf => {
                let expected = name::lh_hash(name);
                (expected, expected == stored)
            }
            ListKind::IndexLeaf | ListKind::IndexRoot => return,
        };
        if !right {
            let what = if kind == ListKind::FastLeaf {
                "name hint"
            } else {
                "name hash"
            };
            self.report(
                ProblemKind::SubkeyList,
                key,
                data_offset(leaf) + 8 + 8 * i as u64,
                format!(
                    "expected the {what} {expected:#010x} for {:?} (element {i}), found \
                     {stored:#010x}",
                    name.to_string_lossy()
                ),
            );
        }
    }
}

/// Windows' order of names: upcased, code unit by code unit, then by length. ASCII names
/// (nearly all) are compared directly; others through nt-hive's upcase table.
fn name_order(a: &NtHiveNameString<'_>, b: &NtHiveNameString<'_>) -> Ordering {
    match (a, b) {
        (NtHiveNameString::Latin1(x), NtHiveNameString::Latin1(y))
            if x.is_ascii() && y.is_ascii() =>
        {
            let x = x.iter().map(u8::to_ascii_uppercase);
            x.cmp(y.iter().map(u8::to_ascii_uppercase))
        }
        _ => a.cmp(b),
    }
}

/// Whether a stored lf hint agrees with the one computed from the name: the same length (up to
/// the first NUL) and the same ASCII characters, ignoring case.
fn hints_agree(expected: [u8; 4], stored: [u8; 4]) -> bool {
    expected.iter().zip(stored).all(|(&e, s)| {
        (e == 0) == (s == 0) && (!e.is_ascii() || !s.is_ascii() || e.eq_ignore_ascii_case(&s))
    })
}
