//! Thin helpers over nt-hive for reading a few known keys: open a key by path, list subkeys,
//! read values raw. Names compare case-insensitively, as in the registry. Every nt-hive error
//! becomes a [`FormatError`] (nt-hive's messages carry the file offset), and every listing is
//! bounded by the size of the hive, so crafted lists cannot make us loop or allocate without end,
//! and runs inside [`guarded`], so a crafted hive that trips an assertion in nt-hive gives an
//! error, not a crash.

use nt_hive::{Hive, KeyNode, KeyValue, NtHiveError};

use crate::error::FormatError;
use crate::hive::key_node;
use crate::hive::key_times::KeyTimes;
use crate::hive::panic_guard::guarded;
use crate::hive::value::RawValue;

/// A key of a hive held in memory.
pub type Key<'h> = KeyNode<'h, &'h [u8]>;

/// The smallest cell that can hold a value (`vk` header plus cell size).
const MIN_VALUE_CELL: usize = 24;

/// Reads keys and values of one hive.
pub struct HiveReader<'h> {
    hive: &'h Hive<&'h [u8]>,
    /// The base block and bins nt-hive reads.
    bytes: &'h [u8],
}

impl<'h> HiveReader<'h> {
    /// `bytes` are the bytes nt-hive sees (base block and bins); their length bounds every
    /// listing.
    pub fn new(hive: &'h Hive<&'h [u8]>, bytes: &'h [u8]) -> Self {
        Self { hive, bytes }
    }

    /// The base block and bins being read.
    pub fn bytes(&self) -> &'h [u8] {
        self.bytes
    }

    /// Last-write times of keys, which nt-hive does not expose.
    pub fn key_times(&self) -> Result<KeyTimes<'h>, FormatError> {
        KeyTimes::new(self.bytes)
    }

    pub fn root(&self) -> Result<Key<'h>, FormatError> {
        guarded(|| "root key".into(), || Ok(self.hive.root_key_node()?))
    }

    /// The key at backslash-separated `path` below `from`, or `None` when a part is missing.
    pub fn open(&self, from: &Key<'h>, path: &str) -> Result<Option<Key<'h>>, FormatError> {
        let mut key = from.clone();
        for part in path.split('\\').filter(|p| !p.is_empty()) {
            match self.subkey(&key, part)? {
                Some(next) => key = next,
                None => return Ok(None),
            }
        }
        Ok(Some(key))
    }

    /// The subkey `name` of `key`. nt-hive binary-searches the subkey list, which misses in an
    /// unsorted (hand-edited or crafted) list; then a linear scan that skips unreadable entries
    /// looks again. An error is returned only when the key is not found and something was
    /// unreadable.
    pub fn subkey(&self, key: &Key<'h>, name: &str) -> Result<Option<Key<'h>>, FormatError> {
        guarded(
            || format!("subkey {name:?}"),
            || self.find_subkey(key, name),
        )
    }

    fn find_subkey(&self, key: &Key<'h>, name: &str) -> Result<Option<Key<'h>>, FormatError> {
        let search_error = match key.subkey(name) {
            Some(Ok(found)) => return Ok(Some(found)),
            Some(Err(e)) => Some(FormatError::from(e)),
            None => None,
        };
        let mut scan_error = None;
        if let Some(list) = key.subkeys() {
            match list {
                Ok(list) => {
                    for item in list.take(self.max_keys()) {
                        let matched = item.and_then(|k| {
                            let is_it = k.name()? == name;
                            Ok((is_it, k))
                        });
                        match matched {
                            Ok((true, found)) => return Ok(Some(found)),
                            Ok((false, _)) => {}
                            Err(e) => {
                                scan_error.get_or_insert(FormatError::from(e));
                            }
                        }
                    }
                }
                Err(e) => scan_error = Some(e.into()),
            }
        }
        match search_error.or(scan_error) {
            Some(e) => Err(e),
            None => Ok(None),
        }
    }

    /// All subkeys of `key` with their names, in the order of the subkey list.
    pub fn subkeys(&self, key: &Key<'h>) -> Result<Vec<(String, Key<'h>)>, FormatError> {
        guarded(|| "subkey list".into(), || self.list_subkeys(key))
    }

    fn list_subkeys(&self, key: &Key<'h>) -> Result<Vec<(String, Key<'h>)>, FormatError> {
        let Some(list) = key.subkeys() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for item in list?.take(self.max_keys()) {
            let subkey = item?;
            let name = subkey.name()?.to_string_lossy();
            out.push((name, subkey));
        }
        Ok(out)
    }

    /// The names of all subkeys of `key`.
    pub fn subkey_names(&self, key: &Key<'h>) -> Result<Vec<String>, FormatError> {
        Ok(self.subkeys(key)?.into_iter().map(|(n, _)| n).collect())
    }

    /// The name of `key` itself.
    pub fn name(&self, key: &Key<'h>) -> Result<String, FormatError> {
        guarded(|| "key name".into(), || Ok(key.name()?.to_string_lossy()))
    }

    /// All values of `key`, whatever their type. The data read is bounded by the hive size, so
    /// a crafted list pointing many times at the same big value cannot exhaust memory.
    pub fn values(&self, key: &Key<'h>) -> Result<Vec<RawValue>, FormatError> {
        guarded(|| "value list".into(), || self.read_values(key))
    }

    fn read_values(&self, key: &Key<'h>) -> Result<Vec<RawValue>, FormatError> {
        let Some(list) = key.values() else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut total = 0usize;
        for item in list?.take(self.bytes.len() / MIN_VALUE_CELL) {
            let value = item?;
            total = total.saturating_add(value.data_size() as usize);
            if total > self.bytes.len() {
                return Err(FormatError::new(format!(
                    "the values of key {:?} claim more data than the {} bytes of the hive",
                    self.name(key)?,
                    self.bytes.len()
                )));
            }
            out.push(read_value(&value)?);
        }
        Ok(out)
    }

    fn max_keys(&self) -> usize {
        key_node::max_keys(self.bytes.len())
    }
}

fn read_value(value: &KeyValue<'_, &[u8]>) -> Result<RawValue, FormatError> {
    let name = value.name()?.to_string_lossy();
    // nt-hive refuses types it does not know; the registry allows any u32, so keep the code.
    let data_type = match value.data_type() {
        Ok(t) => t as u32,
        Err(NtHiveError::UnsupportedKeyValueDataType { actual, .. }) => actual,
        Err(e) => return Err(e.into()),
    };
    let data = value.data()?.into_vec()?;
    Ok(RawValue {
        name,
        data_type,
        data,
    })
}
