//! What every JSON document says about the run that wrote it, in front of its own fields:
//! `tool` (name and version) and `created` (when, RFC 3339 UTC), so a document found later in
//! a case folder still tells which build judged the hive, and when.

use std::io::Write;

use serde::Serialize;

use crate::pipeline::backup_manifest::Tool;

#[derive(Serialize)]
struct Stamped<'a, T> {
    tool: Tool,
    created: String,
    #[serde(flatten)]
    document: &'a T,
}

fn stamped<T: Serialize>(document: &T) -> Stamped<'_, T> {
    Stamped {
        tool: Tool::this(),
        created: jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        document,
    }
}

/// The document (a struct: its fields follow `tool` and `created`), pretty-printed, then a
/// newline.
pub fn write_pretty(mut out: impl Write, document: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, &stamped(document))?;
    writeln!(out)
}

/// The document as one compact line (no trailing newline), for JSON Lines.
pub fn line(document: &impl Serialize) -> serde_json::Result<String> {
    serde_json::to_string(&stamped(document))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_and_time_come_first() {
        #[derive(Serialize)]
        struct Doc {
            format_version: u32,
        }
        let text = line(&Doc { format_version: 1 }).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["tool"]["name"], "winsock-doctor");
        assert_eq!(value["tool"]["version"], env!("CARGO_PKG_VERSION"));
        assert!(value["created"].as_str().unwrap().ends_with('Z'));
        assert!(text.starts_with(r#"{"tool":"#), "{text}");
        assert_eq!(value["format_version"], 1);
    }
}
