//! Last-write times of keys, read from the raw `nk` records: nt-hive does not expose them. Keys
//! are found by path from the root, names compared case-insensitively; every list walked is
//! bounded by the size of the hive, and every fault names its offset.

use crate::error::FormatError;
use crate::hive::base_block::{BASE_BLOCK_SIZE, BaseBlock};
use crate::hive::cell::{CELL_HEADER_SIZE, CellHeader};
use crate::hive::key_node::{KeyNode, max_keys};
use crate::hive::name;
use crate::hive::subkey_list::SubkeyList;

/// Reads key last-write times from a hive image (base block and bins).
pub struct KeyTimes<'a> {
    bytes: &'a [u8],
    root: u32,
}

impl<'a> KeyTimes<'a> {
    /// `bytes` starts with the base block; cell offsets are read relative to the bins after it.
    pub fn new(bytes: &'a [u8]) -> Result<Self, FormatError> {
        let base = BaseBlock::parse(bytes)?;
        Ok(Self {
            bytes,
            root: base.root_cell_offset,
        })
    }

    /// The last-write FILETIME of the key at backslash-separated `path` ("" is the root), or
    /// `None` when a key on the way does not exist.
    pub fn last_written(&self, path: &str) -> Result<Option<u64>, FormatError> {
        match self.find(path)? {
            Some(offset) => Ok(Some(self.node(offset)?.0.last_written)),
            None => Ok(None),
        }
    }

    /// The names and last-write FILETIMEs of the subkeys of the key at `path`, in list order, or
    /// `None` when the key does not exist.
    pub fn subkey_times(&self, path: &str) -> Result<Option<Vec<(String, u64)>>, FormatError> {
        let Some(offset) = self.find(path)? else {
            return Ok(None);
        };
        let (node, _) = self.node(offset)?;
        let mut out = Vec::new();
        for child in self.children(offset, &node)? {
            let (child_node, name) = self.node(child)?;
            let name = name::as_nt(name, child_node.name_is_compressed()).to_string_lossy();
            out.push((name, child_node.last_written));
        }
        Ok(Some(out))
    }

    fn find(&self, path: &str) -> Result<Option<u32>, FormatError> {
        let mut offset = self.root;
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            let (node, _) = self.node(offset)?;
            // A damaged sibling does not hide the key looked for: its error counts only when
            // the key is not found.
            let mut found = None;
            let mut damaged = None;
            for child in self.children(offset, &node)? {
                match self.node(child) {
                    Ok((child_node, name))
                        if name::as_nt(name, child_node.name_is_compressed()) == part =>
                    {
                        found = Some(child);
                        break;
                    }
                    Ok(_) => {}
                    Err(e) => {
                        damaged.get_or_insert(e);
                    }
                }
            }
            match (found, damaged) {
                (Some(child), _) => offset = child,
                (None, Some(e)) => return Err(e),
                (None, None) => return Ok(None),
            }
        }
        Ok(Some(offset))
    }

    /// The data of the cell at bins offset `offset`, and its file offset.
    fn cell(&self, offset: u32) -> Result<(&'a [u8], u64), FormatError> {
        let file_offset = BASE_BLOCK_SIZE as u64 + u64::from(offset);
        let at = usize::try_from(file_offset)
            .ok()
            .filter(|&at| at < self.bytes.len())
            .ok_or_else(|| {
                FormatError::at(
                    file_offset,
                    format!(
                        "expected a cell inside the {}-byte hive, the offset points past it",
                        self.bytes.len()
                    ),
                )
            })?;
        let header = CellHeader::parse(self.bytes, at, file_offset)?;
        let data = at
            .checked_add(header.size as usize)
            .and_then(|end| self.bytes.get(at + CELL_HEADER_SIZE as usize..end))
            .ok_or_else(|| {
                FormatError::at(
                    file_offset,
                    format!(
                        "expected a cell of {} bytes, the hive ends first",
                        header.size
                    ),
                )
            })?;
        Ok((data, file_offset + u64::from(CELL_HEADER_SIZE)))
    }

    fn node(&self, offset: u32) -> Result<(KeyNode, &'a [u8]), FormatError> {
        let (data, at) = self.cell(offset)?;
        KeyNode::parse(data, at)
    }

    fn list(&self, offset: u32) -> Result<(SubkeyList, u64), FormatError> {
        let (data, at) = self.cell(offset)?;
        Ok((SubkeyList::parse(data, at)?, at))
    }

    /// Offsets of the subkeys of the key node at `offset`: one leaf, or an index root of leaves.
    fn children(&self, offset: u32, node: &KeyNode) -> Result<Vec<u32>, FormatError> {
        if node.subkey_count == 0 {
            return Ok(Vec::new());
        }
        let (top, top_at) = self.list(node.subkeys_list)?;
        let limit = max_keys(self.bytes.len());
        let mut out = Vec::new();
        // Checked leaf by leaf: an index root can list one large leaf thousands of times.
        let mut take = |leaf: &SubkeyList| {
            if out.len() + leaf.entries.len() > limit {
                return Err(FormatError::at(
                    top_at,
                    format!(
                        "the subkey lists of the key at {:#x} hold more keys than the hive can",
                        BASE_BLOCK_SIZE as u64 + u64::from(offset)
                    ),
                ));
            }
            out.extend(leaf.entries.iter().map(|entry| entry.offset));
            Ok(())
        };
        if top.kind.is_leaf() {
            take(&top)?;
        } else {
            for entry in &top.entries {
                let (leaf, at) = self.list(entry.offset)?;
                if !leaf.kind.is_leaf() {
                    return Err(FormatError::at(
                        at,
                        "expected a leaf under an index root, found another index root",
                    ));
                }
                take(&leaf)?;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hive::builder::{KeySpec, build_hive};

    fn key(name: &str, subkeys: Vec<KeySpec>) -> KeySpec {
        KeySpec {
            name: name.to_string(),
            values: Vec::new(),
            subkeys,
        }
    }

    const WHEN: u64 = 0x01d9_0000_1234_5678;

    fn sample() -> Vec<u8> {
        let tree = key(
            "ROOT",
            vec![key(
                "ControlSet001",
                vec![key(
                    "Services",
                    vec![key("WinSock2", vec![]), key("AFD", vec![])],
                )],
            )],
        );
        build_hive(5, &tree, WHEN).unwrap()
    }

    #[test]
    fn finds_keys_in_any_case_and_reads_their_time() {
        let hive = sample();
        let times = KeyTimes::new(&hive).unwrap();
        assert_eq!(
            times
                .last_written(r"controlset001\SERVICES\winsock2")
                .unwrap(),
            Some(WHEN)
        );
        assert_eq!(times.last_written("").unwrap(), Some(WHEN));
        assert_eq!(
            times.last_written(r"ControlSet001\Services\Nope").unwrap(),
            None
        );
        let children = times
            .subkey_times(r"ControlSet001\Services")
            .unwrap()
            .unwrap();
        let names: Vec<&str> = children.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["AFD", "WinSock2"]);
        assert!(children.iter().all(|&(_, t)| t == WHEN));
    }

    #[test]
    fn a_root_offset_past_the_hive_is_an_error_with_its_offset() {
        let mut hive = sample();
        hive[36..40].copy_from_slice(&0x7fff_0000u32.to_le_bytes());
        let err = KeyTimes::new(&hive).unwrap().last_written("").unwrap_err();
        assert_eq!(err.offset, Some(0x7fff_0000 + 4096));
    }

    #[test]
    fn a_damaged_sibling_does_not_hide_a_key_but_is_reported_when_nothing_is_found() {
        let mut hive = sample();
        // The AFD key node: "nk" 76 bytes before its name.
        let name_at = hive
            .windows(3)
            .enumerate()
            .position(|(i, w)| w == b"AFD" && i >= 76 && &hive[i - 76..i - 74] == b"nk")
            .unwrap();
        hive[name_at - 76..name_at - 74].copy_from_slice(b"xx");
        let times = KeyTimes::new(&hive).unwrap();
        assert_eq!(
            times
                .last_written(r"ControlSet001\Services\WinSock2")
                .unwrap(),
            Some(WHEN)
        );
        let err = times
            .last_written(r"ControlSet001\Services\Nope")
            .unwrap_err();
        assert_eq!(err.offset, Some((name_at - 76) as u64), "{err}");
    }

    #[test]
    fn truncated_hives_give_errors_not_panics() {
        let hive = sample();
        for len in [4096, 4200, hive.len() / 2] {
            let cut = &hive[..len];
            if let Ok(times) = KeyTimes::new(cut) {
                let _ = times.last_written(r"ControlSet001\Services\WinSock2");
            }
        }
    }
}
