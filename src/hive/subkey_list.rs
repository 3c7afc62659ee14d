//! Subkey lists (regf-spec "Index leaf", "Fast leaf", "Hash leaf", "Index root"): a signature, a
//! 16-bit count and the elements.

use crate::error::{FormatError, found_bytes};
use crate::hive::cell::NO_CELL;
use crate::hive::le::{put_u16, put_u32, u16_at, u32_at};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListKind {
    /// `li`: key node offsets.
    IndexLeaf,
    /// `lf`: key node offsets with a 4-character name hint.
    FastLeaf,
    /// `lh`: key node offsets with a name hash.
    HashLeaf,
    /// `ri`: offsets of leaves.
    IndexRoot,
}

impl ListKind {
    pub fn signature(self) -> &'static [u8; 2] {
        match self {
            Self::IndexLeaf => b"li",
            Self::FastLeaf => b"lf",
            Self::HashLeaf => b"lh",
            Self::IndexRoot => b"ri",
        }
    }

    fn from_signature(sig: &[u8]) -> Option<Self> {
        [
            Self::IndexLeaf,
            Self::FastLeaf,
            Self::HashLeaf,
            Self::IndexRoot,
        ]
        .into_iter()
        .find(|k| k.signature() == sig)
    }

    /// Bytes per element.
    fn element_size(self) -> usize {
        match self {
            Self::IndexLeaf | Self::IndexRoot => 4,
            Self::FastLeaf | Self::HashLeaf => 8,
        }
    }

    pub fn is_leaf(self) -> bool {
        self != Self::IndexRoot
    }
}

/// One element: the offset of a key node (or of a leaf, in an `ri`) and, in `lf`/`lh`, the hint or
/// hash that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListEntry {
    pub offset: u32,
    pub hint_or_hash: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubkeyList {
    pub kind: ListKind,
    pub entries: Vec<ListEntry>,
}

/// Elements a list can hold: its count field is 16 bits wide.
pub const MAX_ENTRIES: usize = u16::MAX as usize;

impl SubkeyList {
    /// Decode the cell data `data` found at `file_offset`.
    pub fn parse(data: &[u8], file_offset: u64) -> Result<Self, FormatError> {
        let sig = data.get(..2).unwrap_or(data);
        let kind = ListKind::from_signature(sig).ok_or_else(|| {
            FormatError::at(
                file_offset,
                format!(
                    "expected a subkey list (\"li\", \"lf\", \"lh\" or \"ri\"), found {}",
                    found_bytes(Some(sig))
                ),
            )
        })?;
        let count = usize::from(u16_at(data, 2).ok_or_else(|| {
            FormatError::at(
                file_offset,
                "expected a subkey list count, found the end of the cell",
            )
        })?);
        let size = kind.element_size();
        let elements = data.get(4..4 + count * size).ok_or_else(|| {
            FormatError::at(
                file_offset + 2,
                format!(
                    "expected {count} list elements of {size} bytes inside the {}-byte cell",
                    data.len()
                ),
            )
        })?;
        let entries = elements
            .chunks_exact(size)
            .map(|e| ListEntry {
                offset: u32_at(e, 0).unwrap_or(u32::MAX),
                hint_or_hash: u32_at(e, 4).unwrap_or(0),
            })
            .collect();
        Ok(Self { kind, entries })
    }

    /// The offset in the last element, or [`NO_CELL`] for an empty list.
    pub fn last_offset(&self) -> u32 {
        self.entries.last().map_or(NO_CELL, |e| e.offset)
    }

    /// The record as stored. The caller keeps `entries.len()` within [`MAX_ENTRIES`].
    pub fn encode(&self) -> Vec<u8> {
        let size = self.kind.element_size();
        let mut data = vec![0u8; 4 + self.entries.len() * size];
        data[..2].copy_from_slice(self.kind.signature());
        put_u16(&mut data, 2, self.entries.len() as u16);
        for (i, entry) in self.entries.iter().enumerate() {
            let at = 4 + i * size;
            put_u32(&mut data, at, entry.offset);
            if size == 8 {
                put_u32(&mut data, at + 4, entry.hint_or_hash);
            }
        }
        data
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        for kind in [
            ListKind::IndexLeaf,
            ListKind::FastLeaf,
            ListKind::HashLeaf,
            ListKind::IndexRoot,
        ] {
            let wide = kind.element_size() == 8;
            let list = SubkeyList {
                kind,
                entries: (0..3)
                    .map(|i| ListEntry {
                        offset: 0x100 * i,
                        hint_or_hash: if wide { 0xabc0 + i } else { 0 },
                    })
                    .collect(),
            };
            let bytes = list.encode();
            assert_eq!(&bytes[..2], kind.signature());
            assert_eq!(SubkeyList::parse(&bytes, 0).unwrap(), list);
        }
    }

    #[test]
    fn counts_past_the_cell_and_unknown_signatures_are_refused() {
        let refused_at = |b: &[u8]| SubkeyList::parse(b, 0x100).unwrap_err().offset;
        let mut bytes = SubkeyList {
            kind: ListKind::HashLeaf,
            entries: vec![ListEntry {
                offset: 0x20,
                hint_or_hash: 1,
            }],
        }
        .encode();
        bytes[2] = 2;
        assert_eq!(refused_at(&bytes), Some(0x102));
        bytes[..2].copy_from_slice(b"xx");
        assert_eq!(refused_at(&bytes), Some(0x100));
        assert!(SubkeyList::parse(b"l", 0).is_err());
    }
}
