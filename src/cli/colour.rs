//! Whether to colour: only on a terminal, never when `NO_COLOR` is set to something
//! (no-color.org: "set and non-empty"), never for `TERM=dumb`.

use std::ffi::OsStr;

/// The decision from the facts, so it can be tested without a terminal.
pub fn wanted(terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    terminal && !no_color && !dumb
}

/// For standard output, from this process's environment.
pub fn for_stdout() -> bool {
    use std::io::IsTerminal;
    wanted(
        std::io::stdout().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("TERM").as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_counts_only_when_non_empty_and_dumb_terminals_get_none() {
        let some = |s: &'static str| Some(OsStr::new(s));
        assert!(wanted(true, None, some("xterm-256color")));
        assert!(
            wanted(true, some(""), None),
            "NO_COLOR= (empty) keeps colour"
        );
        assert!(!wanted(true, some("1"), None));
        assert!(!wanted(true, None, some("dumb")));
        assert!(!wanted(false, None, None), "not a terminal");
    }
}
