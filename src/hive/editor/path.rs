//! Key paths: backslash-separated names relative to the root key, matched case-insensitively.

use super::{EditError, Editor};
use crate::error::FormatError;
use crate::hive::name::StoredName;

/// Longest key name Windows accepts, in UTF-16 code units.
const MAX_KEY_NAME_UNITS: usize = 255;
/// Longest value name Windows accepts, in UTF-16 code units.
const MAX_VALUE_NAME_UNITS: usize = 16383;

/// The names along `path`; leading and trailing backslashes are ignored, "" is the root.
pub(super) fn components(path: &str) -> Result<Vec<StoredName>, EditError> {
    let trimmed = path.trim_matches('\\');
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    trimmed.split('\\').map(key_name).collect()
}

/// The stored form of a key name, after checking what Windows requires of one.
pub(super) fn key_name(name: &str) -> Result<StoredName, EditError> {
    let stored = StoredName::encode(name);
    check_key_name(&stored)?;
    Ok(stored)
}

/// Check a key name in its stored form: not empty, at most 255 UTF-16 code units, no backslash,
/// whole UTF-16 code units.
pub fn check_key_name(name: &StoredName) -> Result<(), EditError> {
    let invalid = |reason| EditError::InvalidName {
        name: name.as_nt().to_string_lossy(),
        reason,
    };
    let units = stored_units(name).ok_or_else(|| invalid("a UTF-16 name has an odd length"))?;
    if units.is_empty() {
        return Err(invalid("a key name cannot be empty"));
    }
    if units.contains(&u16::from(b'\\')) {
        return Err(invalid("a key name cannot contain a backslash"));
    }
    if units.len() > MAX_KEY_NAME_UNITS {
        return Err(invalid("a key name is at most 255 UTF-16 code units long"));
    }
    Ok(())
}

/// Check a value name in its stored form: at most 16383 UTF-16 code units, whole code units.
pub fn check_value_name(name: &StoredName) -> Result<(), EditError> {
    let invalid = |reason| EditError::InvalidName {
        name: name.as_nt().to_string_lossy().chars().take(40).collect(),
        reason,
    };
    let units = stored_units(name).ok_or_else(|| invalid("a UTF-16 name has an odd length"))?;
    if units.len() > MAX_VALUE_NAME_UNITS {
        return Err(invalid(
            "a value name is at most 16383 UTF-16 code units long",
        ));
    }
    Ok(())
}

/// The UTF-16 code units of a stored name; `None` for UTF-16 bytes of odd length.
fn stored_units(name: &StoredName) -> Option<Vec<u16>> {
    if name.compressed {
        return Some(name.bytes.iter().map(|&b| u16::from(b)).collect());
    }
    (name.bytes.len() % 2 == 0).then(|| {
        name.bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect()
    })
}

/// The stored form of a value name ("" is the default value).
pub(super) fn value_name(name: &str) -> Result<StoredName, EditError> {
    if name.encode_utf16().count() > MAX_VALUE_NAME_UNITS {
        return Err(EditError::InvalidName {
            name: name.chars().take(40).collect(),
            reason: "a value name is at most 16383 UTF-16 code units long",
        });
    }
    Ok(StoredName::encode(name))
}

/// Where a key path led.
pub(super) struct Found {
    /// The key node's offset.
    pub(super) key: u32,
    /// The parent's offset; `None` for the root.
    pub(super) parent: Option<u32>,
}

impl Editor {
    /// Follow `names` from the root; `None` when a key on the way does not exist.
    pub(super) fn find(&self, names: &[StoredName]) -> Result<Option<Found>, FormatError> {
        let mut found = Found {
            key: self.root,
            parent: None,
        };
        for name in names {
            match self.find_subkey(found.key, &name.as_nt())? {
                Some(child) => {
                    found = Found {
                        key: child,
                        parent: Some(found.key),
                    }
                }
                None => return Ok(None),
            }
        }
        Ok(Some(found))
    }

    /// The key at `path`, or an error naming the path.
    pub(super) fn existing_key(&self, path: &str) -> Result<u32, EditError> {
        self.find(&components(path)?)?
            .map(|f| f.key)
            .ok_or_else(|| EditError::KeyNotFound(path.to_string()))
    }
}
