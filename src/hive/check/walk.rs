//! The walk of the key tree from the root, with an explicit stack (a deep or cyclic hive cannot
//! exhaust the call stack), and the state every check of a key shares.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::cells::{CellMap, data_offset};
use super::problem::{Problem, ProblemKind, Problems};
use crate::error::FormatError;
use crate::hive::cell::NO_CELL;
use crate::hive::key_node::KeyNode;
use crate::hive::name;

/// Windows stops at 512 levels of keys (ReactOS cmlib: CMP_REGISTRY_MAX_LEVELS_TREE_DEPTH).
pub(super) const MAX_DEPTH: u32 = 512;

/// A key waiting to be checked: its cell, the key whose list named it, and its depth.
pub(super) struct Pending {
    pub key: u32,
    pub parent: u32,
    pub depth: u32,
}

/// Security cell -> how many keys use it and the first of them (for messages).
#[derive(Debug, Clone, Copy)]
pub(super) struct SecurityUse {
    pub keys: u32,
    pub first_key: u32,
}

/// Cells whose referrers are wanted, and the keys found referring to each.
type Watch<'h> = (&'h HashSet<u32>, HashMap<u32, Vec<u32>>);

pub(super) struct Walker<'h> {
    pub cells: CellMap<'h>,
    pub problems: Problems,
    pub minor_version: u32,
    pub root: u32,
    /// Keys whose parent field does not name the key whose subkey list led to them (a problem
    /// reported), with that key. Every other key walked has its parent in its parent field, so
    /// the map stays empty on a whole hive.
    misparented: HashMap<u32, u32>,
    pub security: BTreeMap<u32, SecurityUse>,
    pub keys: u64,
    pub values: u64,
    watch: Option<Watch<'h>>,
}

impl<'h> Walker<'h> {
    pub fn new(cells: CellMap<'h>, problems: Problems, minor_version: u32, root: u32) -> Self {
        Self {
            cells,
            problems,
            minor_version,
            root,
            misparented: HashMap::new(),
            security: BTreeMap::new(),
            keys: 0,
            values: 0,
            watch: None,
        }
    }

    /// Record which keys refer to the cells of `watched` during the walk.
    pub fn watch(&mut self, watched: &'h HashSet<u32>) {
        self.watch = Some((watched, HashMap::new()));
    }

    pub fn into_referrers(self) -> HashMap<u32, Vec<u32>> {
        self.watch.map(|(_, found)| found).unwrap_or_default()
    }

    /// Check every key reachable from the root, then the security cells they use.
    pub fn walk(&mut self) {
        let mut stack = vec![Pending {
            key: self.root,
            parent: NO_CELL,
            depth: 0,
        }];
        while let Some(pending) = stack.pop() {
            if !self.cells.claim(pending.key) {
                let path = self.path_of(pending.parent);
                self.problems.add(
                    ProblemKind::KeyTree,
                    Some(data_offset(pending.key)),
                    Some(path),
                    "expected each key once in the tree, found one reachable twice (a cycle, \
                     or a key in two subkey lists)",
                );
                continue;
            }
            self.keys += 1;
            self.check_key(&pending, &mut stack);
        }
        self.check_security_list();
    }

    /// Note that `owner`'s structures refer to `cell`.
    pub fn refer(&mut self, owner: u32, cell: u32) {
        if let Some((watched, found)) = &mut self.watch {
            if watched.contains(&cell) {
                found.entry(cell).or_default().push(owner);
            }
        }
    }

    /// The data of the allocated cell at `cell`, referred to by the key `owner`, claimed for one
    /// structure. A bad reference or a cell already used is reported as `what` under `owner`.
    pub fn use_cell(
        &mut self,
        owner: u32,
        cell: u32,
        what: impl Fn() -> String,
    ) -> Option<&'h [u8]> {
        self.refer(owner, cell);
        let data = self.cell_data(owner, cell, &what)?;
        if !self.cells.claim(cell) {
            let path = self.path_of(owner);
            self.problems.add(
                ProblemKind::SharedCell,
                Some(data_offset(cell)),
                Some(path),
                format!(
                    "expected the {} to be used by nothing else, found a cell already in use",
                    what()
                ),
            );
            return None;
        }
        Some(data)
    }

    /// The data of the allocated cell at `cell`, without claiming it (security cells are shared).
    pub fn cell_data(
        &mut self,
        owner: u32,
        cell: u32,
        what: impl Fn() -> String,
    ) -> Option<&'h [u8]> {
        match self.cells.data(cell) {
            Ok(data) => Some(data),
            Err(why) => {
                let path = self.path_of(owner);
                self.problems.add(
                    ProblemKind::Reference,
                    ((cell as usize) < self.cells.bins().len()).then(|| data_offset(cell)),
                    Some(path),
                    format!("{}: {why}", what()),
                );
                None
            }
        }
    }

    /// Report a record that did not parse, under the key `owner`.
    pub fn bad_record(&mut self, kind: ProblemKind, owner: u32, e: FormatError) {
        let path = self.path_of(owner);
        self.problems
            .push(Problem::from_format(kind, e, Some(path)));
    }

    /// Report `message` about the bytes at `offset`, under the key `owner`.
    pub fn report(&mut self, kind: ProblemKind, owner: u32, offset: u64, message: String) {
        let path = self.path_of(owner);
        self.problems.add(kind, Some(offset), Some(path), message);
    }

    /// Remember that the walk reached `key` from `parent`, which its parent field does not name.
    pub fn misparented(&mut self, key: u32, parent: u32) {
        self.misparented.insert(key, parent);
    }

    /// The path of a key already walked, below the root ("" for the root), from the names of
    /// the keys that led to it.
    pub fn path_of(&self, key: u32) -> String {
        let mut names = Vec::new();
        let mut at = key;
        // Each step goes to a key walked earlier, so the chain ends; the bound is a safeguard.
        while at != self.root && names.len() as u64 <= self.keys {
            let parent = match self.misparented.get(&at) {
                Some(&parent) => parent,
                None => match self.stored_parent(at) {
                    Some(parent) => parent,
                    None => break,
                },
            };
            names.push(self.key_name(at));
            at = parent;
        }
        names.reverse();
        names.join("\\")
    }

    fn stored_parent(&self, key: u32) -> Option<u32> {
        let data = self.cells.data(key).ok()?;
        Some(KeyNode::parse(data, 0).ok()?.0.parent)
    }

    fn key_name(&self, key: u32) -> String {
        self.cells
            .data(key)
            .ok()
            .and_then(|data| KeyNode::parse_name(data, 0).ok())
            .map_or_else(
                || format!("<key at {:#x}>", data_offset(key)),
                |(bytes, compressed)| name::as_nt(bytes, compressed).to_string_lossy(),
            )
    }
}
