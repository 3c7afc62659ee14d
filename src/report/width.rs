//! How wide the output may be, and making it fit: COLUMNS when set, else the terminal's width,
//! else 80. A table wider than that becomes one block per entry ("Header: value" lines, as
//! `netsh winsock show catalog` prints), and prose is wrapped at spaces, never in a word unless
//! a single word is longer than the line.

use comfy_table::{ContentArrangement, Table};

/// The narrowest width honoured; below it every line would be a broken word.
const MIN_WIDTH: usize = 40;
const DEFAULT_WIDTH: usize = 80;

/// COLUMNS when set to a number, else the terminal's width, else 80.
pub fn output_width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok());
    let width = columns.or_else(|| Table::new().width().map(usize::from));
    width.unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH)
}

/// `table` as a table when it fits in `width`, else one block per row.
pub fn fit(table: &Table, width: usize) -> String {
    let widths = table.column_max_content_widths();
    // "| a | b |": three characters per column and one more.
    let natural: usize = widths.iter().map(|&w| usize::from(w) + 3).sum::<usize>() + 1;
    if natural <= width {
        let mut natural_table = table.clone();
        natural_table
            .set_content_arrangement(ContentArrangement::Disabled)
            .force_no_tty();
        return natural_table.to_string();
    }
    let headers: Vec<String> = table
        .header()
        .map(|h| h.cell_iter().map(|c| c.content()).collect())
        .unwrap_or_default();
    let mut blocks = Vec::new();
    for row in table.row_iter() {
        let mut lines = Vec::new();
        for (i, cell) in row.cell_iter().enumerate() {
            let content = cell.content();
            if content.trim().is_empty() {
                continue;
            }
            let label = headers.get(i).map_or(String::new(), |h| format!("{h}: "));
            let mut first = true;
            for text_line in content.lines() {
                let prefix = if first {
                    label.clone()
                } else {
                    "  ".to_string()
                };
                first = false;
                lines.extend(wrap(text_line.trim_end(), width, &prefix, "    "));
            }
        }
        blocks.push(lines.join("\n"));
    }
    blocks.join("\n\n")
}

/// Every line of `text` longer than `width` wrapped at spaces, its continuation indented four
/// spaces past the line's own indentation.
pub fn fit_lines(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, newline) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.chars().count() <= width {
            out.push_str(line);
            continue;
        }
        let indent: String = body.chars().take_while(|c| *c == ' ').collect();
        let rest = format!("{indent}    ");
        let wrapped = wrap(body.trim_start(), width, &indent, &rest);
        out.push_str(&wrapped.join("\n"));
        out.push_str(newline);
    }
    out
}

/// `text` after `first` on the first line and `rest` on the others, filled to `width`. Lines
/// break after a space (spacing inside a line is kept) or after a backslash (registry paths);
/// a piece longer than a line is cut.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = first.to_string();
    // Nothing on the current line yet but its prefix.
    let mut fresh = true;
    for piece in pieces(text) {
        // Spaces at the start of a continuation line are dropped.
        let piece = if fresh && !lines.is_empty() {
            piece.trim_start_matches(' ')
        } else {
            piece
        };
        let mut chars: Vec<char> = piece.chars().collect();
        loop {
            let used = current.chars().count();
            let visible = chars.iter().rev().skip_while(|c| **c == ' ').count();
            if used + visible <= width {
                current.extend(chars.drain(..));
                fresh = false;
                break;
            }
            if !fresh {
                lines.push(current.trim_end().to_string());
                current = rest.to_string();
                fresh = true;
                while chars.first() == Some(&' ') {
                    chars.remove(0);
                }
                continue;
            }
            let take = width.saturating_sub(used).max(1).min(chars.len());
            current.extend(chars.drain(..take));
            if chars.is_empty() {
                fresh = false;
                break;
            }
            lines.push(std::mem::replace(&mut current, rest.to_string()));
        }
    }
    if !fresh || lines.is_empty() {
        lines.push(current.trim_end().to_string());
    }
    lines
}

/// `text` cut after every space and every backslash: joined again they are `text`.
fn pieces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c == ' ' || c == '\\' {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_wrap_at_spaces_and_only_overlong_words_are_cut() {
        let text = format!(
            "  {} {}\nshort\n",
            "word ".repeat(30).trim(),
            "x".repeat(100)
        );
        let fitted = fit_lines(&text, 40);
        assert!(fitted.lines().all(|l| l.chars().count() <= 40), "{fitted}");
        assert!(fitted.contains("\nshort\n"));
        assert!(
            fitted
                .lines()
                .filter(|l| l.contains("word"))
                .all(|l| !l.contains("wor "))
        );
    }

    #[test]
    fn a_wide_table_becomes_blocks() {
        let mut table = Table::new();
        table.set_header(vec!["Key", "Value"]);
        table.add_row(vec!["000000000001", &"long value ".repeat(12)]);
        let text = fit(&table, 50);
        assert!(text.lines().all(|l| l.chars().count() <= 50), "{text}");
        assert!(
            text.starts_with("Key: 000000000001\nValue: long value"),
            "{text}"
        );
        let narrow = fit(&table, 400);
        assert!(narrow.contains("| 000000000001 |"), "{narrow}");
    }
}
