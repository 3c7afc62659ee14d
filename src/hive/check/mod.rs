//! The full structural check of a hive image (base block and bins), independent of any lazy
//! reader: every bin and cell, every key reachable from the root once, every list, value, data
//! and security cell. It reads `&[u8]` only, never panics, keeps its memory bounded by the
//! hive's size (bitmaps over cell offsets, an explicit stack for the tree) and reports each
//! problem with its file offset, the key it lies under, and what was expected. The rules, and
//! what Windows does about each, are in docs/structure-check.md.

mod base;
mod bins;
mod cells;
mod keys;
mod lists;
mod problem;
mod references;
mod security;
mod values;
mod walk;

use serde::Serialize;

pub use problem::{MAX_KEPT, Problem, ProblemKind, display_path};
pub use references::{Referrers, referrers};

use crate::hive::base_block::BASE_BLOCK_SIZE;
use crate::hive::value::key_at_or_below;
use problem::Problems;
use walk::Walker;

/// The verdict on one hive image.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// The first [`MAX_KEPT`] problems, in the order found.
    pub problems: Vec<Problem>,
    /// How many problems were found in all.
    pub problem_count: u64,
    /// Keys reached from the root.
    pub keys: u64,
    /// Values read.
    pub values: u64,
    /// Allocated cells in the bins.
    pub allocated_cells: u64,
    /// The base block's sequence numbers differ: the hive was not cleanly saved. Not damage by
    /// itself (its transaction logs hold the rest); check the image after log replay.
    pub dirty: bool,
}

impl CheckReport {
    /// No problem found.
    pub fn is_whole(&self) -> bool {
        self.problem_count == 0
    }

    /// Whether every problem lies under one of the key paths `scopes` (paths below the root,
    /// compared ignoring case). Damage with no key (bins, cells) lies under none.
    pub fn all_within(&self, scopes: &[&str]) -> bool {
        self.problem_count == self.problems.len() as u64
            && self.problems.iter().all(|p| within(p, scopes))
    }

    /// The kept problems that lie under none of `scopes`.
    pub fn outside<'r>(&'r self, scopes: &'r [&str]) -> impl Iterator<Item = &'r Problem> {
        self.problems.iter().filter(move |p| !within(p, scopes))
    }
}

fn within(problem: &Problem, scopes: &[&str]) -> bool {
    problem
        .key_path
        .as_deref()
        .is_some_and(|path| scopes.iter().any(|scope| key_at_or_below(path, scope)))
}

/// Check the hive image `bytes`: base block and hive bins (bytes past the bins the base block
/// declares are ignored). Check a dirty hive after its logs are replayed.
pub fn check_hive(bytes: &[u8]) -> CheckReport {
    let mut problems = Problems::default();
    let Some(layout) = base::check(bytes, &mut problems) else {
        return CheckReport {
            problem_count: problems.count,
            problems: problems.kept,
            ..CheckReport::default()
        };
    };
    let bins = &bytes[BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + layout.bins_size as usize];
    let (cells, allocated_cells) = bins::tile(bins, &mut problems);
    let mut walker = Walker::new(cells, problems, layout.minor_version, layout.root);
    walker.walk();
    CheckReport {
        problem_count: walker.problems.count,
        keys: walker.keys,
        values: walker.values,
        allocated_cells,
        dirty: layout.dirty,
        problems: std::mem::take(&mut walker.problems.kept),
    }
}

#[cfg(test)]
mod tests;
