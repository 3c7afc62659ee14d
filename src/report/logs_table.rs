//! `winsock-doctor logs` for people: each log's header, then its entries or dirty pages.

use std::fmt::Write;

use crate::hive::image::InputFile;
use crate::hive::log::LogDescription;
use crate::hive::log::describe::LogBody;
use crate::report::catalog_table::new_table;
use crate::report::width::{fit, fit_lines, output_width};

pub fn render(input: &InputFile, description: &LogDescription) -> String {
    let header = &description.header;
    let mut out = String::new();
    let _ = writeln!(out, "Log:      {}", input.path.display());
    let _ = writeln!(out, "SHA-256:  {} ({} bytes)", input.sha256, input.size);
    let _ = writeln!(
        out,
        "Header:   {} format (file type {}), sequence {}/{}, hive bins {} bytes, checksum {}",
        header.format.name(),
        header.base.file_type,
        header.base.primary_sequence,
        header.base.secondary_sequence,
        header.base.bins_size,
        if header.checksum_ok { "ok" } else { "WRONG" }
    );
    if let Some(problem) = &description.header_problem {
        let _ = writeln!(out, "          Windows would not use it: {problem}");
    }
    match &description.body {
        LogBody::Old(body) => {
            let _ = writeln!(
                out,
                "Pages:    {} dirty, {} present",
                body.dirty_pages, body.pages_present
            );
            if let Some(problem) = &body.problem {
                let _ = writeln!(out, "Problem:  {problem}");
            }
        }
        LogBody::New(body) => {
            let range = match (body.first_sequence, body.last_sequence) {
                (Some(first), Some(last)) => format!("sequence {first}-{last}"),
                _ => "no valid entry".to_string(),
            };
            let _ = writeln!(out, "Entries:  {} ({range})", body.entries.len());
            if !body.entries.is_empty() {
                let mut table = new_table(&[
                    "Sequence",
                    "Offset",
                    "Size",
                    "Hive bins",
                    "Dirty pages",
                    "Dirty bytes",
                ]);
                for e in &body.entries {
                    table.add_row(vec![
                        e.sequence.to_string(),
                        format!("{:#x}", e.offset),
                        e.size.to_string(),
                        e.bins_size.to_string(),
                        e.dirty_pages.to_string(),
                        e.dirty_bytes.to_string(),
                    ]);
                }
                let _ = writeln!(out, "{}", fit(&table, output_width()));
            }
            if let Some(stop) = &body.stop {
                let _ = writeln!(out, "End:      {stop}");
            }
        }
    }
    fit_lines(&out, output_width())
}
