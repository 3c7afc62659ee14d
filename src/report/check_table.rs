//! `winsock-doctor check` for people: the verdict, the counts, and each problem with its
//! offset, key and what was expected, in 80 columns.

use std::fmt::Write;
use std::path::Path;

use crate::error::Error;
use crate::hive::check::{CheckReport, Problem, display_path};
use crate::hive::image::InputFile;

const WIDTH: usize = 80;

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
        return out;
    }
    out.push('\n');
    for (i, problem) in report.problems.iter().enumerate() {
        out.push_str(&render_problem(i + 1, problem));
    }
    let left = report.problem_count - report.problems.len() as u64;
    if left > 0 {
        let _ = writeln!(out, "... and {left} more problems (not kept)");
    }
    out
}

/// One problem: number, kind and offset; the key; what was expected (wrapped).
pub fn render_problem(number: usize, problem: &Problem) -> String {
    let mut out = String::new();
    let offset = problem
        .offset
        .map_or_else(String::new, |o| format!(" at offset {o:#x}"));
    let _ = writeln!(out, "{number:>3}. {}{offset}", problem.kind.name());
    if let Some(path) = &problem.key_path {
        out.push_str(&wrap(&format!("key: {}", display_path(path)), 5));
    }
    out.push_str(&wrap(&problem.message, 5));
    out
}

pub fn render_unreadable(path: &Path, error: &Error) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Hive:     {}", path.display());
    let _ = writeln!(out, "Verdict:  UNREADABLE");
    out.push_str(&wrap(&error.to_string(), 10));
    out
}

/// `text` in lines of at most [`WIDTH`] columns, each indented by `indent` spaces; words
/// longer than a line (key paths) are cut.
pub fn wrap(text: &str, indent: usize) -> String {
    let room = WIDTH - indent;
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = line.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= room {
                if gap == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                break;
            }
            if used > 0 && word.len() <= room {
                flush(&mut out, &mut line, indent);
                continue;
            }
            // A word longer than a line (a key path) fills this line and goes on the next.
            let rest = word.split_off(room - used - gap);
            if gap == 1 {
                line.push(' ');
            }
            line.extend(word.iter());
            flush(&mut out, &mut line, indent);
            word = rest;
        }
    }
    if !line.is_empty() {
        flush(&mut out, &mut line, indent);
    }
    out
}

fn flush(out: &mut String, line: &mut String, indent: usize) {
    let _ = writeln!(out, "{:indent$}{line}", "");
    line.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_80_columns() {
        let long = format!("key: {}", "Abc\\".repeat(40));
        let text = wrap(&format!("expected something {long} found else"), 5);
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "{line:?}");
            assert!(line.starts_with("     "));
        }
        assert!(text.contains("expected something"));
        assert_eq!(wrap("", 5), "");
    }
}
