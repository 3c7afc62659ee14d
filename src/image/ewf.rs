//! EWF (E01, Ex01) through the `ewf` crate: a maintained pure-Rust reader that finds the
//! segment set (.E01, .E02...) beside the first file, inflates chunks and keeps a bounded cache.

use std::io;
use std::path::Path;
use std::sync::Arc;

use ewf::{EwfReader, SegmentSource};

use crate::image::disk::Disk;

fn invalid(e: ewf::EwfError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("EWF: {e}"))
}

/// The media of the EWF image whose first segment is `path`.
pub fn open(path: &Path) -> io::Result<Box<dyn Disk>> {
    Ok(Box::new(EwfReader::open(path).map_err(invalid)?))
}

/// The media of a one-segment EWF image already in memory (fuzzing, tests).
pub fn from_bytes(bytes: &[u8]) -> io::Result<Box<dyn Disk>> {
    let source = SegmentSource::Mem(Arc::from(bytes));
    Ok(Box::new(
        EwfReader::open_from_sources(vec![source]).map_err(invalid)?,
    ))
}
