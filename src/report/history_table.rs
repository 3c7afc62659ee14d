//! The known-good candidates of `scan` (on a volume, or with `--history`), for people: one
//! block per candidate, newest first, then the copies found that cannot serve.

use std::fmt::Write;

use crate::hive::filetime::filetime_to_rfc3339;
use crate::pipeline::history::History;
use crate::report::width::{fit_lines, output_width};
use crate::winsock::catalog_diff::{CatalogDiff, ProviderLine};

pub fn render(history: &History) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nKnown-good candidates, newest first (`repair --mode restore --from auto` takes \
         the one marked *):"
    );
    if history.candidates.is_empty() {
        let _ = writeln!(out, "  none: no other control set, no older copy of SYSTEM");
    }
    let best = history.best();
    for candidate in &history.candidates {
        let mark = if best.is_some_and(|b| std::ptr::eq(b, candidate)) {
            "*"
        } else {
            " "
        };
        let _ = writeln!(out, "{mark} {}", candidate.location);
        let written = candidate
            .winsock_written
            .map_or_else(|| "unknown".to_string(), filetime_to_rfc3339);
        let file = candidate
            .file_modified
            .as_ref()
            .map(|m| format!(", file modified {m}"))
            .unwrap_or_default();
        let _ = writeln!(out, "    when:    Winsock keys written {written}{file}");
        if let Some(error) = &candidate.error {
            let _ = writeln!(out, "    unreadable: {error}");
            continue;
        }
        let windows = candidate.windows.as_deref().unwrap_or("unknown");
        let other = candidate
            .other_windows
            .as_ref()
            .map(|o| format!(" (another Windows: {o})"))
            .unwrap_or_default();
        let _ = writeln!(out, "    Windows: {windows}{other}");
        let health = if candidate.healthy {
            "healthy".to_string()
        } else {
            let codes: Vec<String> = candidate
                .problems
                .iter()
                .map(|c| c.as_str().to_string())
                .collect();
            format!("{} problems ({})", codes.len(), codes.join(", "))
        };
        let _ = writeln!(out, "    health:  {health}");
        if let Some(diff) = &candidate.differences {
            let _ = writeln!(out, "    restore: {}", differences(diff));
        }
    }
    for skipped in &history.skipped {
        let _ = writeln!(
            out,
            "  skipped {}: {}",
            skipped.path.display(),
            skipped.reason
        );
    }
    fit_lines(&out, output_width())
}

/// What restoring the candidate would do, in one line.
fn differences(diff: &CatalogDiff) -> String {
    if diff.is_empty() {
        return "the same providers as now".to_string();
    }
    let mut parts = Vec::new();
    if !diff.added.is_empty() {
        parts.push(format!("puts back {}", names(&diff.added)));
    }
    if !diff.removed.is_empty() {
        parts.push(format!("removes {}", names(&diff.removed)));
    }
    if !diff.changed.is_empty() {
        parts.push(format!("changes {} providers", diff.changed.len()));
    }
    if !diff.transports_removed.is_empty() {
        parts.push(format!(
            "drops the transports {}",
            diff.transports_removed.join(", ")
        ));
    }
    if diff.source_lsps > 0 {
        parts.push(format!("holds {} layered entries (LSPs)", diff.source_lsps));
    }
    parts.join("; ")
}

/// How many providers, and the first few by name.
fn names(lines: &[ProviderLine]) -> String {
    const SHOWN: usize = 3;
    let first: Vec<String> = lines
        .iter()
        .take(SHOWN)
        .map(|l| format!("\"{}\"", l.name))
        .collect();
    let more = lines.len().saturating_sub(SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!("{} providers ({}{more})", lines.len(), first.join(", "))
}
