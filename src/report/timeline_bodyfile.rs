//! The timeline as a mactime bodyfile (The Sleuth Kit 3.x format:
//! `MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime`): the key's last-write time is
//! the mtime, the other times are 0, which mactime leaves out.

use std::io::Write;

use crate::hive::filetime::filetime_to_unix_seconds;
use crate::report::timeline_csv::full_key;
use crate::winsock::timeline::TimelineEntry;

pub fn write(entries: &[TimelineEntry], mut out: impl Write) -> std::io::Result<()> {
    for entry in entries {
        let mut name = format!("{} ({}", full_key(&entry.key), entry.what);
        if !entry.summary.is_empty() {
            name.push_str(": ");
            name.push_str(&entry.summary);
        }
        name.push(')');
        // A `|` would shift every field after the name; line breaks would split the record.
        let name: String = name
            .chars()
            .map(|c| {
                if matches!(c, '|' | '\n' | '\r') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let mtime = filetime_to_unix_seconds(entry.last_written);
        writeln!(out, "0|{name}|0|0|0|0|0|0|{mtime}|0|0")?;
    }
    out.flush()
}
