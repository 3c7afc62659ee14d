//! `winsock-doctor repair` for a technician: what happened, every change (before and after),
//! the providers removed, the check of the written hive, and what to do with the logs.

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets};

use crate::hive::salvage::{Dropped, DroppedKind};
use crate::report::repair_json::{RepairDocument, Status};
use crate::report::width::{fit, fit_lines, output_width};
use crate::report::windows_line::windows_line;
use crate::winsock::repair::Edit;
use crate::winsock::repair::plan::value_summary;

pub fn render(doc: &RepairDocument<'_>) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Input:       {}", doc.input.path.display());
    let _ = writeln!(
        out,
        "SHA-256:     {} ({} bytes)",
        doc.input.sha256, doc.input.size
    );
    for log in &doc.logs.replay.applied {
        let _ = writeln!(out, "Replayed:    {}", log.path.display());
    }
    let _ = writeln!(out, "{}", windows_line(doc.windows));
    let status = match doc.status {
        Status::Repaired => "REPAIRED",
        Status::NothingToDo => "NOTHING TO DO: no asked repair is needed; nothing written",
        Status::DryRun => "DRY RUN: the repaired hive passed its check; nothing written",
        Status::Failed => {
            "FAILED: the repaired hive is damaged or still has problems the repair claimed to fix; nothing written"
        }
    };
    let _ = writeln!(out, "Result:      {status}");
    if let Some(output) = &doc.output {
        let file = &output.file;
        let _ = writeln!(out, "Output:      {}", file.path.display());
        let _ = writeln!(out, "SHA-256:     {} ({} bytes)", file.sha256, file.size);
        if let Some(installed) = &output.installed_as {
            let _ = writeln!(out, "Installed:   {}", installed.display());
        }
        if let Some(backup) = &output.backup {
            let _ = writeln!(out, "Backup:      {}", backup.display());
        }
        if let Some(manifest) = &output.manifest {
            let _ = writeln!(out, "Manifest:    {}", manifest.display());
        }
        for log in &output.moved_logs {
            let _ = writeln!(out, "Log moved:   {}", log.display());
        }
    }

    if let Some(salvage) = &doc.salvage {
        let _ = writeln!(
            out,
            "\nSalvage: rebuilt with {} keys and {} values;\n  parts that could not be read, left out: {}",
            salvage.keys, salvage.values, salvage.dropped_count
        );
        if !salvage.dropped.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                fit(&dropped_table(&salvage.dropped), output_width())
            );
        }
    }

    for plan in doc.control_sets {
        let _ = writeln!(out, "\n{}: {} changes", plan.control_set, plan.edits.len());
        if !plan.edits.is_empty() {
            let _ = writeln!(out, "{}", fit(&edits_table(&plan.edits), output_width()));
        }
        for removed in &plan.removed_providers {
            let what = removed
                .protocol_entry
                .as_ref()
                .map(|i| {
                    format!(
                        "ID {} \"{}\" ({})",
                        i.catalog_entry_id, i.sz_protocol, i.library_path
                    )
                })
                .or_else(|| {
                    removed.namespace_entry.as_ref().map(|n| {
                        format!(
                            "\"{}\" ({})",
                            n.display_string.as_deref().unwrap_or("?"),
                            n.library_path.as_deref().unwrap_or("?")
                        )
                    })
                })
                .unwrap_or_default();
            let _ = writeln!(out, "  removed {}: {what}; {}", removed.key, removed.reason);
        }
        for note in &plan.notes {
            let _ = writeln!(out, "  note: {note}");
        }
    }
    if doc
        .control_sets
        .iter()
        .any(|p| !p.removed_providers.is_empty())
    {
        let _ = writeln!(
            out,
            "\nRemoved providers are saved whole (decoded fields and PackedCatalogItem hex) in the --json report."
        );
    }

    if let Some(check) = &doc.verification {
        let _ = writeln!(
            out,
            "\nStructure of the repaired hive: {}",
            if check.whole { "whole" } else { "DAMAGED" }
        );
        for problem in &check.structure_problems {
            let _ = writeln!(out, "  {problem}");
        }
        let _ = writeln!(
            out,
            "Check of the repaired hive: {}",
            if check.healthy {
                "healthy"
            } else {
                "problems remain"
            }
        );
        for finding in check.findings.iter().filter(|f| f.is_problem()) {
            let unfixed = check.unfixed.contains(finding);
            let _ = writeln!(
                out,
                "  {} {} {}: {}",
                if unfixed { "UNFIXED" } else { "remains" },
                finding.code.as_str(),
                finding.key,
                finding.message
            );
        }
    }
    if !doc.logs_to_move_aside.is_empty() && doc.output.is_some() {
        let _ = writeln!(
            out,
            "\nWhen this hive replaces the input, move these logs aside (they belong to the old file):"
        );
        for log in &doc.logs_to_move_aside {
            let _ = writeln!(out, "  {}", log.display());
        }
    }
    let mut out = fit_lines(&out, output_width());
    // The undo command stays on one line, to be copied whole.
    if let Some(undo) = doc.output.as_ref().and_then(|o| o.undo.as_ref()) {
        let _ = writeln!(
            out,
            "\nThe original hive and its logs are in the backup folder. To put them back:\n  {undo}"
        );
    }
    out
}

/// A plain-text table with `header` (fitted to the width when printed).
fn plain_table(header: [&str; 5]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::ASCII_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .force_no_tty()
        .set_header(header.to_vec());
    table
}

fn dropped_table(dropped: &[Dropped]) -> Table {
    let mut table = plain_table(["Left out", "Key", "Value", "Offset", "Why"]);
    for d in dropped {
        let what = match d.what {
            DroppedKind::Key => "key and subtree",
            DroppedKind::Subkeys => "subkey list",
            DroppedKind::Value => "value",
            DroppedKind::Values => "values list",
            DroppedKind::Class => "class name",
            DroppedKind::Security => "security (parent's kept)",
        };
        table.add_row(vec![
            what.to_string(),
            if d.path.is_empty() {
                "(root)".to_string()
            } else {
                d.path.clone()
            },
            d.value.clone().unwrap_or_default(),
            d.offset.map_or_else(String::new, |o| format!("{o:#x}")),
            d.reason.clone(),
        ]);
    }
    table
}

fn edits_table(edits: &[Edit]) -> Table {
    let mut table = plain_table(["Change", "Key", "Value", "Before", "After"]);
    for edit in edits {
        let row = match edit {
            Edit::CreateKey { key } => vec![
                "create key".into(),
                key.clone(),
                String::new(),
                String::new(),
                String::new(),
            ],
            Edit::DeleteKey { key, values, .. } => vec![
                "delete key".into(),
                key.clone(),
                String::new(),
                format!("{} values", values.len()),
                String::new(),
            ],
            Edit::SetValue { key, before, after } => vec![
                "set value".into(),
                key.clone(),
                after.name.clone(),
                before
                    .as_ref()
                    .map_or_else(|| "(none)".into(), value_summary),
                value_summary(after),
            ],
            Edit::DeleteValue { key, before } => vec![
                "delete value".into(),
                key.clone(),
                before.name.clone(),
                value_summary(before),
                String::new(),
            ],
        };
        table.add_row(row);
    }
    table
}
