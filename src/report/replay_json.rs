//! What `winsock-doctor replay` did, for people and as JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::hive::image::InputFile;
use crate::input::LogsReport;
use crate::report::width::{fit_lines, output_width};

#[derive(Debug, Serialize)]
pub struct ReplayDocument<'a> {
    pub input: &'a InputFile,
    pub logs: &'a LogsReport,
    pub output: InputFile,
}

impl ReplayDocument<'_> {
    pub fn write_json(&self, mut out: impl std::io::Write) -> std::io::Result<()> {
        crate::report::json_document::write_pretty(&mut out, self)
    }

    pub fn render(&self) -> String {
        let replay = &self.logs.replay;
        let mut out = String::new();
        let _ = writeln!(out, "Input:    {}", self.input.path.display());
        let _ = writeln!(out, "SHA-256:  {}", self.input.sha256);
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
        let _ = writeln!(out, "Output:   {}", self.output.path.display());
        let _ = writeln!(
            out,
            "SHA-256:  {} ({} bytes)",
            self.output.sha256, self.output.size
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
}
