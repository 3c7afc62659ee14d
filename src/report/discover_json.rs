//! The JSON document of `winsock-doctor discover --json`.

use serde::Serialize;

use crate::volume::discover::Discovery;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct DiscoverDocument<'a> {
    pub format_version: u32,
    #[serde(flatten)]
    pub discovery: &'a Discovery,
}

impl<'a> DiscoverDocument<'a> {
    pub fn new(discovery: &'a Discovery) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            discovery,
        }
    }

    /// Write the document, pretty-printed, followed by a newline.
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
