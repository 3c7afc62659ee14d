//! Who refers to a cell: for an editor about to free cells, the keys whose structures (subkey
//! lists, value lists, values, data, class, security) point at each of them, found by the same
//! walk as the check.

use std::collections::{HashMap, HashSet};

use super::bins;
use super::problem::Problems;
use super::walk::Walker;

/// For each watched cell, the key nodes that refer to it (a key appears once per reference).
#[derive(Debug, Default)]
pub struct Referrers {
    found: HashMap<u32, Vec<u32>>,
}

impl Referrers {
    /// The keys referring to `cell` (bins offset).
    pub fn of(&self, cell: u32) -> &[u32] {
        self.found.get(&cell).map_or(&[], Vec::as_slice)
    }
}

/// Walk the tree of the hive bins `bins` from the key node at `root` (a hive of format
/// 1.`minor_version`) and find who refers to each cell of `watched` (bins offsets). Damage met on
/// the way does not stop the walk; what cannot be read refers to nothing.
pub fn referrers(bins: &[u8], root: u32, minor_version: u32, watched: &HashSet<u32>) -> Referrers {
    let mut problems = Problems::default();
    let (cells, _) = bins::tile(bins, &mut problems);
    let mut walker = Walker::new(cells, problems, minor_version, root);
    walker.watch(watched);
    walker.walk();
    Referrers {
        found: walker.into_referrers(),
    }
}
