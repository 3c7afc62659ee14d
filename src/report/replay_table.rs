//! What `winsock-doctor replay` did, for people.

use std::fmt::Write;

use crate::report::replay_json::ReplayDocument;
use crate::report::width::{fit_lines, output_width};

pub fn render(doc: &ReplayDocument<'_>) -> String {
    let replay = &doc.logs.replay;
    let mut out = String::new();
    let _ = writeln!(out, "Input:    {}", doc.input.path.display());
    let _ = writeln!(out, "SHA-256:  {}", doc.input.sha256);
    let _ = writeln!(
        out,
        "State:    {} (sequence {}/{}, checksum {})",
        if replay.was_dirty { "dirty" } else { "clean" },
        replay.primary.primary_sequence,
        replay.primary.secondary_sequence,
        if replay.primary.checksum_ok {
            "ok"
        } else {
            "wrong"
        }
    );
    for log in &replay.applied {
        let range = match (log.first_sequence, log.last_sequence) {
            (Some(first), Some(last)) => format!(", sequence {first}-{last}"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "Applied:  {} ({} format, {} entries, {} pages{range})",
            log.path.display(),
            log.format.name(),
            log.entries_applied,
            log.pages_applied
        );
    }
    for log in &replay.skipped {
        let _ = writeln!(out, "Skipped:  {}: {}", log.path.display(), log.reason);
    }
    if !replay.was_dirty {
        let _ = writeln!(
            out,
            "Nothing to replay: the output is a copy of the hive bins."
        );
    }
    let _ = writeln!(out, "Output:   {}", doc.output.path.display());
    let _ = writeln!(
        out,
        "SHA-256:  {} ({} bytes)",
        doc.output.sha256, doc.output.size
    );
    if !replay.logs_to_move_aside.is_empty() {
        let _ = writeln!(
            out,
            "\nIf the output replaces the hive, move these logs aside too, or Windows may \
             replay them over it:"
        );
        for log in &replay.logs_to_move_aside {
            let _ = writeln!(out, "  {}", log.display());
        }
    }
    fit_lines(&out, output_width())
}
