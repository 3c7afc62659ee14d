//! Read a key and everything below it, depth first (a key, then its subkeys in list order), with
//! every value raw: what an export writes. Bounded by the size of the hive and walked with an
//! explicit stack, so a crafted hive can neither loop nor exhaust the call stack.

use crate::error::FormatError;
use crate::hive::key_node::max_keys;
use crate::hive::reader::HiveReader;
use crate::hive::value::RawValue;

/// One key of a subtree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubtreeKey {
    /// Path from the hive root, with the names as stored.
    pub path: String,
    pub values: Vec<RawValue>,
}

/// The key at `path` (from the root) and its descendants, or `None` when it does not exist.
pub fn read_subtree(
    reader: &HiveReader<'_>,
    path: &str,
) -> Result<Option<Vec<SubtreeKey>>, FormatError> {
    // Walk down by hand to learn each key's name as stored (the path may differ in case).
    let mut top = reader.root()?;
    let mut stored = Vec::new();
    for part in path.split('\\').filter(|p| !p.is_empty()) {
        let Some(next) = reader.subkey(&top, part)? else {
            return Ok(None);
        };
        stored.push(reader.name(&next)?);
        top = next;
    }
    let limit = max_keys(reader.bytes().len());
    let mut out = Vec::new();
    let mut stack = vec![(stored.join("\\"), top)];
    while let Some((key_path, key)) = stack.pop() {
        if out.len() >= limit {
            return Err(FormatError::new(format!(
                "{path} holds more keys than the {} bytes of the hive can (a loop in its lists?)",
                reader.bytes().len()
            )));
        }
        let children = reader.subkeys(&key)?;
        out.push(SubtreeKey {
            values: reader.values(&key)?,
            path: key_path.clone(),
        });
        for (name, child) in children.into_iter().rev() {
            stack.push((format!(r"{key_path}\{name}"), child));
        }
    }
    Ok(Some(out))
}
