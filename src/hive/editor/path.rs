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
    let invalid = |reason| EditError::InvalidName {
        name: name.to_string(),
        reason,
    };
    if name.is_empty() {
        return Err(invalid("a key name cannot be empty"));
    }
    if name.contains('\\') {
        return Err(invalid("a key name cannot contain a backslash"));
    }
    if name.encode_utf16().count() > MAX_KEY_NAME_UNITS {
        return Err(invalid("a key name is at most 255 UTF-16 code units long"));
    }
    Ok(StoredName::encode(name))
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
