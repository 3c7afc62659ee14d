//! `winsock-doctor check` for people: the verdict, the counts, and each problem with its
//! offset, key and what was expected, fitted to the output width.

use std::fmt::Write;
use std::path::Path;

use crate::error::Error;
use crate::hive::check::{CheckReport, Problem, display_path};
use crate::hive::image::InputFile;
use crate::report::width::{fit_lines, output_width};

pub fn render(input: &InputFile, report: &CheckReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Hive:     {}", input.path.display());
    let verdict = if report.is_whole() {
        "whole".to_string()
    } else {
        format!("DAMAGED: {} problems", report.problem_count)
    };
    let _ = writeln!(out, "Verdict:  {verdict}");
    let _ = writeln!(
        out,
        "Checked:  {} keys, {} values, {} allocated cells",
        report.keys, report.values, report.allocated_cells
    );
    if report.problems.is_empty() {
        return fit_lines(&out, output_width());
    }
    out.push('\n');
    for (i, problem) in report.problems.iter().enumerate() {
        out.push_str(&render_problem(i + 1, problem));
    }
    let left = report.problem_count - report.problems.len() as u64;
    if left > 0 {
        let _ = writeln!(out, "... and {left} more problems (not kept)");
    }
    fit_lines(&out, output_width())
}

/// One problem: number, kind and offset; the key; what was expected.
pub fn render_problem(number: usize, problem: &Problem) -> String {
    let mut out = String::new();
    let offset = problem
        .offset
        .map_or_else(String::new, |o| format!(" at offset {o:#x}"));
    let _ = writeln!(out, "{number:>3}. {}{offset}", problem.kind.name());
    if let Some(path) = &problem.key_path {
        out.push_str(&indented(&format!("key: {}", display_path(path)), 5));
    }
    out.push_str(&indented(&problem.message, 5));
    out
}

pub fn render_unreadable(path: &Path, error: &Error) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Hive:     {}", path.display());
    let _ = writeln!(out, "Verdict:  UNREADABLE");
    out.push_str(&indented(&error.to_string(), 10));
    fit_lines(&out, output_width())
}

/// `text` on one line indented by `indent` spaces (wrapped when the report is fitted).
fn indented(text: &str, indent: usize) -> String {
    format!("{:indent$}{text}\n", "")
}
