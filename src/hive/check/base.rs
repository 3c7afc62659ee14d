//! The base block: what the rest of the check needs from it (the bins' size, the root cell, the
//! version), and the fields a loader refuses.

use super::problem::{Problem, ProblemKind, Problems};
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock, OFF_CHECKSUM};

/// What the walk of the bins and keys starts from.
pub(super) struct Layout {
    pub bins_size: u32,
    pub root: u32,
    pub minor_version: u32,
    /// Sequence numbers differ: the latest changes may be in the transaction logs.
    pub dirty: bool,
}

/// Check the base block of `bytes`. `None` when the hive cannot be walked at all.
pub(super) fn check(bytes: &[u8], problems: &mut Problems) -> Option<Layout> {
    let base = match BaseBlock::parse(bytes) {
        Ok(base) => base,
        Err(e) => {
            problems.push(Problem::from_format(ProblemKind::BaseBlock, e, None));
            return None;
        }
    };
    if let Err(e) = base.validate_primary(bytes.len() as u64) {
        problems.push(Problem::from_format(ProblemKind::BaseBlock, e, None));
        return None;
    }
    if !base.checksum_ok() {
        problems.add(
            ProblemKind::BaseBlock,
            Some(OFF_CHECKSUM as u64),
            None,
            format!(
                "expected the base block checksum {:#010x}, found {:#010x}",
                base.computed_checksum, base.stored_checksum
            ),
        );
    }
    debug_assert!(bytes.len() >= BASE_BLOCK_SIZE + base.bins_size as usize);
    Some(Layout {
        bins_size: base.bins_size,
        root: base.root_cell_offset,
        minor_version: base.minor_version,
        dirty: base.primary_sequence != base.secondary_sequence,
    })
}
