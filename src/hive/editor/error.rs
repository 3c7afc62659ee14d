//! Why an edit could not be made.

use crate::error::FormatError;

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The hive's bytes are not what the format requires at some offset.
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("key not found: {0}")]
    KeyNotFound(String),
    #[error("invalid name {name:?}: {reason}")]
    InvalidName { name: String, reason: &'static str },
    #[error("the root key cannot be deleted")]
    RootKey,
    /// Windows refuses to delete keys flagged KEY_NO_DELETE.
    #[error("the key {0} or one of its subkeys is marked as not deletable")]
    NoDelete(String),
    /// Freeing a cell a structure outside the edit still uses: a damaged hive shares it. Offsets
    /// are file offsets of the cells.
    #[error(
        "refusing to free the cell at offset {cell:#x}: the key node at offset {user:#x}, which \
         the edit keeps, still refers to it (the hive is damaged: one cell shared by two keys)"
    )]
    SharedCell { cell: u64, user: u64 },
    /// The edit would exceed a limit of the format (hive size, list length, data size).
    #[error("{0}")]
    Limit(String),
}
