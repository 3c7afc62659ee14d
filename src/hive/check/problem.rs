//! One thing found wrong in a hive: what kind of structure, where, under which key, and what was
//! expected there.

use std::fmt;

use serde::Serialize;

use crate::error::FormatError;

/// The structure a problem lies in (docs/structure-check.md lists the rules of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The base block: signature, version, type, sizes, root offset, checksum.
    BaseBlock,
    /// A hive bin header, or bins that do not tile the declared size.
    Bin,
    /// A cell size field: zero, unaligned, or running past its bin.
    Cell,
    /// An offset that does not land on the start of an allocated cell.
    Reference,
    /// A key node record: signature, name, flags, parent link.
    KeyNode,
    /// The shape of the tree: a key reachable twice (a cycle), or deeper than Windows goes.
    KeyTree,
    /// A subkey list (lf, lh, li, ri): kind, count, order, hints and hashes.
    SubkeyList,
    /// A key's value list.
    ValueList,
    /// A key value record.
    Value,
    /// The data of a value: inline, resident or big data.
    ValueData,
    /// A key's class name cell.
    Class,
    /// A security cell, the list of them, or a reference count.
    Security,
    /// A cell used by two structures (only security cells are shared).
    SharedCell,
}

impl ProblemKind {
    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::BaseBlock => "base_block",
            Self::Bin => "bin",
            Self::Cell => "cell",
            Self::Reference => "reference",
            Self::KeyNode => "key_node",
            Self::KeyTree => "key_tree",
            Self::SubkeyList => "subkey_list",
            Self::ValueList => "value_list",
            Self::Value => "value",
            Self::ValueData => "value_data",
            Self::Class => "class",
            Self::Security => "security",
            Self::SharedCell => "shared_cell",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// File offset of the faulty bytes, when they have one.
    pub offset: Option<u64>,
    /// Path (below the root key, `\`-separated; "" is the root) of the nearest key that owns the
    /// broken structure; none for damage outside the key tree (bins, cells, base block).
    pub key_path: Option<String>,
    /// What was expected and what was found.
    pub message: String,
}

impl Problem {
    pub(super) fn from_format(kind: ProblemKind, e: FormatError, key_path: Option<String>) -> Self {
        Self {
            kind,
            offset: e.offset,
            key_path,
            message: e.message,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind.name())?;
        if let Some(offset) = self.offset {
            write!(f, " at offset {offset:#x}")?;
        }
        if let Some(path) = &self.key_path {
            write!(f, " under {}", display_path(path))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A key path for people: the root key is shown as `\`.
pub fn display_path(path: &str) -> &str {
    if path.is_empty() { "\\" } else { path }
}

/// Problems kept in a report: a hive with a zeroed region can have one per cell, and a report
/// must stay small. The count goes on.
pub const MAX_KEPT: usize = 1000;

/// The problems found so far: the first [`MAX_KEPT`] and how many in all.
#[derive(Debug, Default)]
pub(super) struct Problems {
    pub kept: Vec<Problem>,
    pub count: u64,
}

impl Problems {
    pub fn push(&mut self, problem: Problem) {
        self.count += 1;
        if self.kept.len() < MAX_KEPT {
            self.kept.push(problem);
        }
    }

    pub fn add(
        &mut self,
        kind: ProblemKind,
        offset: Option<u64>,
        key_path: Option<String>,
        message: impl Into<String>,
    ) {
        self.push(Problem {
            kind,
            offset,
            key_path,
            message: message.into(),
        });
    }
}
