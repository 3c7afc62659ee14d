//! Running the program under test and reading what it prints.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

/// `winsock-doctor` as cargo built it for these tests.
pub fn doctor() -> Command {
    Command::cargo_bin("winsock-doctor").expect("the winsock-doctor binary")
}

/// A command line: the words of `words`, then `paths`.
pub fn command_line<'a>(words: &'a str, paths: &[&'a Path]) -> Vec<&'a OsStr> {
    let words = words.split_whitespace().map(OsStr::new);
    words
        .chain(paths.iter().map(|path| path.as_os_str()))
        .collect()
}

/// What `command` gave; it must exit 0 (else a panic with its exit code and stderr).
pub fn success(command: &mut Command) -> Output {
    let output = command.output().expect("run winsock-doctor");
    assert!(
        output.status.success(),
        "{command:?}: exit {:?}, stderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// What `command` prints, parsed as JSON; it must exit 0.
pub fn json(command: &mut Command) -> Value {
    serde_json::from_slice(&success(command).stdout).expect("stdout is JSON")
}

/// Assert that `command` refuses (exit 2) with a message that contains `says`.
pub fn assert_refused(command: &mut Command, says: &str) {
    command
        .assert()
        .code(2)
        .stderr(predicates::str::contains(says));
}

/// The array `field` of a JSON document.
pub fn array<'d>(doc: &'d Value, field: &str) -> &'d [Value] {
    doc[field]
        .as_array()
        .unwrap_or_else(|| panic!("no array {field}: {doc:#}"))
}

/// The items of the array `field` whose `key` is `wanted`.
pub fn items_where<'d, T: Copy>(doc: &'d Value, field: &str, key: &str, wanted: T) -> Vec<&'d Value>
where
    Value: PartialEq<T>,
{
    array(doc, field)
        .iter()
        .filter(|item| item[key] == wanted)
        .collect()
}

/// The findings of `code` in a `scan` document.
pub fn findings_of<'d>(doc: &'d Value, code: &str) -> Vec<&'d Value> {
    items_where(doc, "findings", "code", code)
}

/// A JSON value that must be a string.
pub fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}
