//! Paths in JSON. A path need not be UTF-8 (Unix file names are bytes) but a JSON string must
//! be: a path is written as text, lossily (U+FFFD for what is not UTF-8), so the document stays
//! valid; the main path of a record adds `path_bytes_hex`, its exact bytes, when it is not
//! UTF-8. Use with `#[serde(serialize_with = "...")]`.

use std::path::{Path, PathBuf};

use serde::Serializer;
use serde::ser::SerializeSeq;

use crate::hive::value::hex;

/// The path as text, lossily.
pub fn lossy<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&path.to_string_lossy())
}

pub fn lossy_option<S: Serializer>(
    path: &Option<PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match path {
        Some(path) => lossy(path, serializer),
        None => serializer.serialize_none(),
    }
}

pub fn lossy_list<S: Serializer>(paths: &[PathBuf], serializer: S) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(paths.len()))?;
    for path in paths {
        seq.serialize_element(&path.to_string_lossy())?;
    }
    seq.end()
}

/// The exact bytes of `path` in hex, when it is not UTF-8 (its text is then lossy).
pub fn bytes_hex(path: &Path) -> Option<String> {
    if path.to_str().is_some() {
        return None;
    }
    Some(hex(&os_bytes(path)))
}

#[cfg(unix)]
fn os_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

/// Windows paths are UTF-16: the bytes are its code units, little-endian.
#[cfg(windows)]
fn os_bytes(path: &Path) -> Vec<u8> {
    use std::os::windows::ffi::OsStrExt;
    path.as_os_str()
        .encode_wide()
        .flat_map(u16::to_le_bytes)
        .collect()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_non_utf8_path_is_lossy_text_plus_its_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"inv\xffalid.hive"));
        #[derive(serde::Serialize)]
        struct Record<'a> {
            #[serde(serialize_with = "lossy")]
            path: &'a Path,
        }
        let json = serde_json::to_string(&Record { path }).unwrap();
        assert_eq!(json, "{\"path\":\"inv\u{fffd}alid.hive\"}");
        assert_eq!(
            bytes_hex(path).as_deref(),
            Some("696e76ff616c69642e68697665")
        );
        assert_eq!(bytes_hex(Path::new("valid")), None);
    }
}
