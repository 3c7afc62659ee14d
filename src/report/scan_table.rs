//! `winsock-doctor scan` for a technician: the verdict first, then each finding, each layered
//! provider spelled out (what it is, its DLL, what it wraps), what the user sees on the machine
//! and what to run.

use std::fmt::Write;

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use crate::image::installation::ImageSource;
use crate::pipeline::scan::HiveScan;
use crate::report::check_table;
use crate::report::scan_json::roles;
use crate::report::width::{fit, fit_lines, output_width};
use crate::report::windows_line::windows_line;
use crate::winsock::diagnose::Lsp;
use crate::winsock::findings::{Finding, Severity};
use crate::winsock::hive_structure::HiveStructure;
use crate::winsock::scan::Scan;
use crate::winsock::what_to_run::WhatToRun;

/// Whether to colour the output (decided in cli::colour).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colour(pub bool);

impl Colour {
    fn paint(self, text: &str, ansi: &str) -> String {
        if self.0 {
            format!("\x1b[{ansi}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn render(scanned: &HiveScan, colour: Colour) -> String {
    let input = scanned.hive.input();
    let (catalogs, windows, scan) = (&scanned.catalogs, &scanned.windows, &scanned.result);
    let mut out = String::new();
    if let Some(image) = &scanned.image {
        image_lines(&mut out, image);
    }
    let _ = writeln!(out, "Hive:        {}", input.path.display());
    let _ = writeln!(out, "SHA-256:     {} ({} bytes)", input.sha256, input.size);
    let _ = writeln!(out, "{}", windows_line(windows));
    let selected = &catalogs.selected.control_set;
    let roles = roles(selected, &catalogs.select);
    let _ = writeln!(
        out,
        "Control set: {selected} ({})",
        if roles.is_empty() {
            "no Select value names it".to_string()
        } else {
            format!("Select: {}", roles.join(", "))
        }
    );

    let (critical, warning, info) = (
        scan.count(Severity::Critical),
        scan.count(Severity::Warning),
        scan.count(Severity::Info),
    );
    let verdict = if scan.healthy() {
        colour.paint("HEALTHY", "1;32")
    } else {
        colour.paint("PROBLEMS FOUND", "1;31")
    };
    let _ = writeln!(
        out,
        "\nVerdict:     {verdict}: {critical} critical, {warning} warning, {info} info"
    );

    if let Some(structure) = &scan.structure {
        structure_block(&mut out, structure);
    }

    let findings: Vec<&Finding> = scan.diagnoses.iter().flat_map(|d| &d.findings).collect();
    if !findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            fit(&findings_table(&findings, scan, colour), output_width())
        );
    }
    let remove_lsp = scanned.remove_lsp_command();
    for lsp in scan.diagnoses.iter().flat_map(|d| &d.lsps) {
        lsp_block(&mut out, lsp, &remove_lsp);
    }
    // LastKnownGood is another control set that was not scanned.
    let lkg_elsewhere = catalogs
        .select
        .as_ref()
        .and_then(|s| s.last_known_good)
        .is_some_and(|n| n != 0 && !roles.contains(&"last_known_good"));
    if lkg_elsewhere && scan.last_known_good.is_none() && catalogs.others.is_empty() {
        let _ = writeln!(
            out,
            "\nLastKnownGood is another control set: scan with --all-control-sets to compare it."
        );
    }
    if let Some(lkg) = &scan.last_known_good {
        let _ = writeln!(
            out,
            "\nLastKnownGood ({}): {}",
            lkg.control_set,
            if !lkg.differs {
                "same problems as the chosen control set".to_string()
            } else {
                format!(
                    "differs. Only in {selected}: {}. Only in {}: {}.",
                    list_or_none(&lkg.only_in_selected),
                    lkg.control_set,
                    list_or_none(&lkg.only_in_last_known_good)
                )
            }
        );
    }

    let problems: Vec<&&Finding> = findings.iter().filter(|f| f.is_problem()).collect();
    let mut symptoms: Vec<&str> = Vec::new();
    for s in problems.iter().flat_map(|f| f.symptoms.iter()) {
        if !symptoms.contains(&s.text()) {
            symptoms.push(s.text());
        }
    }
    if !symptoms.is_empty() {
        let _ = writeln!(out, "\nWhat the user may see on this machine:");
        for s in symptoms {
            let _ = writeln!(out, "  - {s}");
        }
    }
    what_to_run_block(&mut out, &scanned.what_to_run());
    fit_lines(&out, output_width())
}

/// Where in a disk image the hive was read, and the image's own hash when asked for.
fn image_lines(out: &mut String, image: &ImageSource) {
    let _ = writeln!(
        out,
        "Image:       {} ({}, a disk of {} bytes), partition {}, folder {}",
        image.image.display(),
        image.container,
        image.disk_size,
        image.partition,
        image.windows
    );
    for file in &image.hashed {
        let _ = writeln!(
            out,
            "Image file:  {} ({} bytes)\n  SHA-256:   {}",
            file.path.display(),
            file.size,
            file.sha256
        );
    }
}

/// One block: the command, its alternatives, and what lies outside the registry.
fn what_to_run_block(out: &mut String, what: &WhatToRun) {
    if what.command.is_none() && what.then.is_none() && what.outside_the_registry.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nWhat to run");
    if let Some(command) = &what.command {
        let _ = writeln!(
            out,
            "  {command}\n    fixes every problem above that a repair can fix, in one run \
             (the input is never changed)"
        );
    }
    for alternative in &what.alternatives {
        let _ = writeln!(
            out,
            "  Alternatively, instead: {}\n    {}",
            alternative.command, alternative.what
        );
    }
    if let Some(then) = &what.then {
        let _ = writeln!(out, "  Note: {then}");
    }
    if !what.outside_the_registry.is_empty() {
        let _ = writeln!(
            out,
            "  Outside the registry (no repair of the hive fixes these):"
        );
        for step in &what.outside_the_registry {
            let _ = writeln!(out, "    - {step}");
        }
    }
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".into()
    } else {
        items.join("; ")
    }
}

fn findings_table(findings: &[&Finding], scan: &Scan, colour: Colour) -> Table {
    let several = scan.diagnoses.len() > 1;
    let mut table = Table::new();
    table
        .load_style(presets::ASCII_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if colour.0 {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    let mut header = vec!["Severity", "Code", "Where", "Finding"];
    if several {
        header.insert(2, "Control set");
    }
    table.set_header(header);
    for f in findings {
        let severity = Cell::new(f.severity.as_str()).fg(match f.severity {
            Severity::Critical => Color::Red,
            Severity::Warning => Color::Yellow,
            Severity::Info => Color::Cyan,
        });
        let place = match &f.value {
            Some(v) => format!("{}\n  value {v}", f.key),
            None => f.key.clone(),
        };
        let mut row = vec![
            severity,
            Cell::new(f.code.as_str()),
            Cell::new(place),
            Cell::new(&f.message),
        ];
        if several {
            row.insert(2, Cell::new(&f.control_set));
        }
        table.add_row(row);
    }
    table
}

fn lsp_block(out: &mut String, lsp: &Lsp, remove_lsp: &str) {
    let _ = writeln!(
        out,
        "\nLayered service provider \"{}\" (in {} {})",
        lsp.name, lsp.control_set, lsp.catalog
    );
    let _ = writeln!(
        out,
        "  What it is:  a DLL Windows inserts between every program and the network providers \
         below it"
    );
    let _ = writeln!(
        out,
        "  DLL:         {} ({})",
        lsp.dll,
        lsp.dll_location.describe()
    );
    if let Some(id) = &lsp.provider_id {
        let _ = writeln!(out, "  GUID:        {id}");
    }
    if let Some(known) = lsp.known_as {
        let _ = writeln!(out, "  Known as:    {known}");
    }
    match &lsp.layered_entry {
        Some(e) => {
            let _ = writeln!(
                out,
                "  Hidden entry: key {} (ID {})",
                e.key, e.catalog_entry_id
            );
        }
        None => {
            let _ = writeln!(out, "  Hidden entry: gone (only chain entries are left)");
        }
    }
    for chain in &lsp.chains {
        let ids: Vec<String> = chain.chain.iter().map(u32::to_string).collect();
        let over = chain
            .base
            .as_ref()
            .map_or("a provider that is not in the catalog".to_string(), |b| {
                format!("{} (key {})", b.name, b.key)
            });
        let _ = writeln!(
            out,
            "  Chain entry: key {} (ID {}, chain {}) over {over}",
            chain.entry.key,
            chain.entry.catalog_entry_id,
            ids.join(" -> ")
        );
    }
    let _ = writeln!(
        out,
        "  Wraps:       {}",
        if lsp.wraps.is_empty() {
            "nothing".to_string()
        } else {
            lsp.wraps.join(", ")
        }
    );
    let _ = writeln!(out, "  To remove:   {remove_lsp}");
}

/// The structure check's verdict, with the first problems.
fn structure_block(out: &mut String, structure: &HiveStructure) {
    if structure.problem_count == 0 {
        let _ = writeln!(
            out,
            "Structure:   whole (every bin, cell, key and list checked)"
        );
        return;
    }
    let _ = writeln!(
        out,
        "Structure:   DAMAGED: {} problems, {} outside the Winsock keys",
        structure.problem_count, structure.outside_winsock
    );
    for (i, problem) in structure.problems.iter().enumerate() {
        out.push_str(&check_table::render_problem(i + 1, problem));
    }
    if structure.problem_count > structure.problems.len() as u64 {
        let _ = writeln!(out, "     (winsock-doctor check lists them all)");
    }
}
