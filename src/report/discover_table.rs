//! `winsock-doctor discover` for people: one row per installation, then the roots without one.

use std::fmt::Write;
use std::path::PathBuf;

use crate::report::catalog_table::new_table;
use crate::report::width::{fit, fit_lines, output_width};
use crate::volume::discover::Discovery;

pub fn render(discovery: &Discovery) -> String {
    let mut out = String::new();
    let shown = |p: &Option<PathBuf>| {
        p.as_ref()
            .map_or("-".to_string(), |p| p.display().to_string())
    };
    if discovery.installations.is_empty() && discovery.images.is_empty() {
        let _ = writeln!(out, "No Windows installation found.");
    } else if discovery.installations.is_empty() {
    } else {
        let mut table = new_table(&["Windows folder", "SYSTEM hive", "Logs", "SOFTWARE hive"]);
        for found in &discovery.installations {
            table.add_row(vec![
                shown(&found.windows_dir),
                found.system_hive.display().to_string(),
                found.system_logs.len().to_string(),
                shown(&found.software_hive),
            ]);
        }
        let _ = writeln!(out, "{}", fit(&table, output_width()));
    }
    for image in &discovery.images {
        let _ = writeln!(
            out,
            "{} ({}, {} bytes):",
            image.image.display(),
            image.container,
            image.disk_size
        );
        let mut table = new_table(&[
            "Partition",
            "Scheme",
            "Type",
            "Start",
            "Size",
            "File system",
            "Windows",
        ]);
        for p in &image.partitions {
            table.add_row(vec![
                p.partition.number.to_string(),
                p.partition.scheme.to_string(),
                p.partition.kind.clone(),
                p.partition.start.to_string(),
                p.partition.length.to_string(),
                p.file_system.unwrap_or("-").to_string(),
                match &p.error {
                    Some(error) => format!("cannot search: {error}"),
                    None if p.windows.is_empty() => "-".to_string(),
                    None => p.windows.join(", "),
                },
            ]);
        }
        let _ = writeln!(out, "{}", fit(&table, output_width()));
    }
    for searched in &discovery.searched {
        if let Some(error) = &searched.error {
            let _ = writeln!(out, "{}: cannot search: {error}", searched.root.display());
        } else if searched.installations == 0 {
            let _ = writeln!(out, "{}: no Windows folder", searched.root.display());
        }
    }
    fit_lines(&out, output_width())
}
