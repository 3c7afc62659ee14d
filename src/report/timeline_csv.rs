//! The timeline as CSV that Timesketch imports as it is: `datetime` (RFC 3339 UTC),
//! `timestamp_desc` and `message` are the columns it requires; `key`, `what` and `summary` say
//! the same in parts for spreadsheets and jq-like tools.

use crate::hive::filetime::filetime_to_rfc3339;
use crate::winsock::timeline::TimelineEntry;

pub const TIMESTAMP_DESC: &str = "Key Last Written";

/// Write a header line and one row per entry. A write error keeps its kind (a closed pipe is
/// told apart from a full disk).
pub fn write(entries: &[TimelineEntry], out: impl std::io::Write) -> std::io::Result<()> {
    write_rows(entries, out).map_err(|e| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    })
}

fn write_rows(entries: &[TimelineEntry], out: impl std::io::Write) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "datetime",
        "timestamp_desc",
        "key",
        "what",
        "summary",
        "message",
    ])?;
    for entry in entries {
        let key = full_key(&entry.key);
        let message = if entry.summary.is_empty() {
            format!("{} {key}", entry.what)
        } else {
            format!("{} {key}: {}", entry.what, entry.summary)
        };
        writer.write_record([
            filetime_to_rfc3339(entry.last_written).as_str(),
            TIMESTAMP_DESC,
            &key,
            entry.what,
            &entry.summary,
            &message,
        ])?;
    }
    writer.flush()?;
    Ok(())
}

/// The key as a running system names it.
pub fn full_key(hive_path: &str) -> String {
    format!(r"HKLM\SYSTEM\{hive_path}")
}
