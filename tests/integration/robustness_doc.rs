//! The zoo table of docs/robustness.md is what `catalog --json` does on each zoo file and on the
//! damaged XP hive. This test renders the table anew and fails when it differs from the
//! document; `UPDATE_ROBUSTNESS_DOC=1` rewrites the document instead.

use crate::common;

use std::path::Path;

use common::cli::doctor;

const DOC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/robustness.md");
const BEGIN: &str = "<!-- zoo-table:begin (tests/integration/robustness_doc.rs) -->\n";
const END: &str = "<!-- zoo-table:end -->\n";
const DAMAGED_XP: &str = "real/winxp-sp3-x86-damaged/SYSTEM";

/// One table row: what `catalog --json` did on `file` (named relative to the hives folder).
fn row(hives: &Path, file: &Path) -> String {
    let output = doctor().args(["catalog", "--json"]).arg(file).output().unwrap();
    let relative = file.strip_prefix(hives).unwrap().to_string_lossy();
    let relative = relative.replace('\\', "/");
    let code = output.status.code();
    let outcome = match code {
        Some(0) => summary(&serde_json::from_slice(&output.stdout).expect("stdout is JSON")),
        _ => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            // The path differs from machine to machine; the rest of the message does not.
            let message = stderr.trim_end().replace(&*file.to_string_lossy(), "FILE");
            message.replace('|', "\\|")
        }
    };
    let code = code.map_or_else(|| "killed".to_string(), |c| c.to_string());
    format!("| `{relative}` | {code} | {outcome} |\n")
}

/// A one-line account of a successful read.
fn summary(doc: &serde_json::Value) -> String {
    let count = |lists: &serde_json::Value| -> usize {
        lists
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|c| c["entries"].as_array().map_or(0, Vec::len))
                    .sum()
            })
            .unwrap_or(0)
    };
    let errors = doc["read_errors"].as_array().map_or(0, Vec::len);
    let replayed = doc["logs"]["replay"]["applied"]
        .as_array()
        .map_or(0, Vec::len);
    format!(
        "{}: {} protocol entries, {} namespace entries, {errors} unreadable keys, {replayed} logs replayed",
        doc["control_set"].as_str().unwrap_or("?"),
        count(&doc["protocol_catalogs"]),
        count(&doc["namespace_catalogs"]),
    )
}

fn the_zoo_table_is_current() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let mut files = common::files_below(&hives.join("zoo"));
    files.push(hives.join(DAMAGED_XP));
    let mut table = String::from("| file | exit | outcome |\n|---|---|---|\n");
    for file in &files {
        table.push_str(&row(&hives, file));
    }
    let doc = std::fs::read_to_string(DOC).expect("read docs/robustness.md");
    let (Some(start), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        panic!("docs/robustness.md lacks the zoo table markers");
    };
    let current = &doc[start + BEGIN.len()..end];
    if current == table {
        return;
    }
    if std::env::var("UPDATE_ROBUSTNESS_DOC").is_ok_and(|v| v == "1") {
        let updated = format!("{}{table}{}", &doc[..start + BEGIN.len()], &doc[end..]);
        std::fs::write(DOC, updated).expect("write docs/robustness.md");
        return;
    }
    panic!(
        "the outcome on the zoo changed; check it, then run with UPDATE_ROBUSTNESS_DOC=1.\n\
         documented:\n{current}\nnow:\n{table}"
    );
}

common::registry::register_tests! {
    Hives: [
        the_zoo_table_is_current,
    ],
}
