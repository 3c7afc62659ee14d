//! The JSON document of `winsock-doctor catalog --json` (shape documented in
//! docs/json-catalog.md; keep it stable: add fields, do not rename or remove).

use serde::Serialize;

use crate::hive::base_block::BaseBlock;
use crate::hive::image::InputFile;
use crate::hive::log::ReplayReport;
use crate::input::LogsReport;
use crate::winsock::catalog::{ControlSetCatalogs, SystemCatalogs};
use crate::winsock::control_set::Select;

/// Version of this document's shape.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct CatalogDocument<'a> {
    pub format_version: u32,
    pub input: &'a InputFile,
    pub hive: HiveSummary,
    pub logs: &'a LogsReport,
    pub select: &'a Option<Select>,
    pub control_sets_present: &'a [String],
    /// The chosen control set, its fields at the top level.
    #[serde(flatten)]
    pub selected: &'a ControlSetCatalogs,
    /// The other control sets with `--all-control-sets`, else empty.
    pub other_control_sets: &'a [ControlSetCatalogs],
}

/// The base block facts a reader of the catalog needs to judge it: the input file as found
/// (sequence numbers, dirty state) and the version of what was read.
#[derive(Debug, Serialize)]
pub struct HiveSummary {
    /// "1.5".
    pub version: String,
    pub minor_version: u32,
    pub primary_sequence: u32,
    pub secondary_sequence: u32,
    /// Sequence numbers differ or the checksum is wrong: the latest state may be in the logs.
    pub dirty: bool,
    pub checksum_ok: bool,
    pub bins_size: u32,
    /// The sequence number of the image that was read, when logs were replayed into it.
    pub recovered_sequence: Option<u32>,
}

impl HiveSummary {
    /// `read` is the base block of the image that was read (after any replay).
    pub fn new(replay: &ReplayReport, read: &BaseBlock) -> Self {
        Self {
            version: read.version(),
            minor_version: read.minor_version,
            primary_sequence: replay.primary.primary_sequence,
            secondary_sequence: replay.primary.secondary_sequence,
            dirty: replay.was_dirty,
            checksum_ok: replay.primary.checksum_ok,
            bins_size: replay.primary.bins_size,
            recovered_sequence: replay.sequence,
        }
    }
}

impl<'a> CatalogDocument<'a> {
    pub fn new(
        input: &'a InputFile,
        read: &BaseBlock,
        logs: &'a LogsReport,
        catalogs: &'a SystemCatalogs,
    ) -> Self {
        Self {
            format_version: FORMAT_VERSION,
            input,
            hive: HiveSummary::new(&logs.replay, read),
            logs,
            select: &catalogs.select,
            control_sets_present: &catalogs.control_sets_present,
            selected: &catalogs.selected,
            other_control_sets: &catalogs.others,
        }
    }

    /// Write the document, pretty-printed, followed by a newline.
    pub fn write(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }
}
