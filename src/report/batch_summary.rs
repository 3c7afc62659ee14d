//! The table that ends a batch scan: how many hives, healthy, with problems, unreadable, and
//! how many hives have each finding code.

use comfy_table::{Table, presets::ASCII_FULL_CONDENSED};

use crate::fleet::tally::Tally;

pub fn render(tally: &Tally) -> String {
    let mut totals = Table::new();
    totals.load_style(ASCII_FULL_CONDENSED);
    totals.set_header([
        "hives",
        "healthy",
        "with problems",
        "dirty, logs missing",
        "unreadable",
    ]);
    totals.add_row([
        tally.hives,
        tally.healthy,
        tally.with_problems,
        tally.incomplete,
        tally.unreadable,
    ]);
    let mut out = format!("{totals}\n");
    if tally.incomplete > 0 {
        out.push_str(
            "dirty, logs missing: no problem in what could be read, but each is dirty and its \
             transaction logs were not beside it: its latest changes may be missing. Scan it \
             with its SYSTEM.LOG1/LOG2 (--log) to know.\n",
        );
    }
    if !tally.by_code.is_empty() {
        let mut codes = Table::new();
        codes.load_style(ASCII_FULL_CONDENSED);
        codes.set_header(["finding code", "severity", "hives"]);
        for (code, (severity, hives)) in &tally.by_code {
            codes.add_row([
                code.to_string(),
                severity.as_str().to_string(),
                hives.to_string(),
            ]);
        }
        out.push_str(&format!("{codes}\n"));
    }
    out
}
