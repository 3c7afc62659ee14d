//! The hive bins and the cells in them: bins tile the declared size, each with a right header,
//! and cells tile each bin exactly. Every cell start found goes into the [`CellMap`].

use super::cells::{CellMap, file_offset};
use super::problem::{ProblemKind, Problems};
use crate::hive::cell::{CELL_ALIGNMENT, CellHeader};
use crate::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader, PAGE_SIZE};

/// Index the cells of `bins` (exactly the declared hive bins). Damaged bins are reported and
/// skipped page by page to the next good bin header, so the cells after them are still known.
/// Returns the map and the number of allocated cells.
pub(super) fn tile<'h>(bins: &'h [u8], problems: &mut Problems) -> (CellMap<'h>, u64) {
    let mut map = CellMap::new(bins);
    let mut allocated = 0u64;
    let len = bins.len() as u64;
    let mut at = 0u64;
    while at < len {
        let header = match HbinHeader::parse(&bins[at as usize..], file_offset(at as u32)) {
            Ok(header) => header,
            Err(e) => {
                problems.push(super::Problem::from_format(ProblemKind::Bin, e, None));
                at = next_bin(bins, at + u64::from(PAGE_SIZE));
                continue;
            }
        };
        if u64::from(header.offset) != at {
            problems.add(
                ProblemKind::Bin,
                Some(file_offset(at as u32) + 4),
                None,
                format!(
                    "expected the hive bin offset field {at:#x}, found {:#x}",
                    header.offset
                ),
            );
        }
        let mut end = at + u64::from(header.size);
        if end > len {
            problems.add(
                ProblemKind::Bin,
                Some(file_offset(at as u32) + 8),
                None,
                format!(
                    "expected the hive bin of {} bytes to end within the {len} bytes of hive \
                     bins, it ends at {end:#x}",
                    header.size
                ),
            );
            end = len;
        }
        allocated += tile_cells(&mut map, at + u64::from(HBIN_HEADER_SIZE), end, problems);
        at = end;
    }
    (map, allocated)
}

/// The offset of the next page from `from` that starts with a hive bin header placed where its
/// offset field says, or the end.
fn next_bin(bins: &[u8], from: u64) -> u64 {
    let mut at = from;
    while at < bins.len() as u64 {
        if HbinHeader::parse(&bins[at as usize..], 0).is_ok_and(|h| u64::from(h.offset) == at) {
            return at;
        }
        at += u64::from(PAGE_SIZE);
    }
    at
}

/// Index the cells from `start` to `end` (one bin's cell area); returns how many are allocated.
fn tile_cells(map: &mut CellMap<'_>, start: u64, end: u64, problems: &mut Problems) -> u64 {
    let bins = map.bins();
    let mut allocated = 0;
    let mut at = start;
    while at < end {
        let header = match CellHeader::parse(bins, at as usize, file_offset(at as u32)) {
            Ok(header) => header,
            Err(e) => {
                problems.push(super::Problem::from_format(ProblemKind::Cell, e, None));
                return allocated;
            }
        };
        if at + u64::from(header.size) > end {
            problems.add(
                ProblemKind::Cell,
                Some(file_offset(at as u32)),
                None,
                format!(
                    "expected the cell of {} bytes to end within its hive bin (at {:#x}), it \
                     ends at {:#x}",
                    header.size,
                    file_offset(end as u32),
                    file_offset((at + u64::from(header.size)) as u32)
                ),
            );
            return allocated;
        }
        debug_assert!(header.size % CELL_ALIGNMENT == 0);
        map.mark_start(at as u32);
        allocated += u64::from(header.allocated);
        at += u64::from(header.size);
    }
    allocated
}
