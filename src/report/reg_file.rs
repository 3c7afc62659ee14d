//! Keys and values as a regedit file (`Windows Registry Editor Version 5.00`), the way regedit
//! exports them, so `reg import` on a running system reads them back exactly: strings quoted with
//! `\\` and `\"` escaped, DWORDs as `dword:`, everything else (and any string or DWORD whose bytes
//! would not survive being written as text) as `hex(N):` bytes wrapped at 80 columns with `\`
//! continuations; UTF-16LE with a BOM and CRLF line ends.

use crate::hive::subtree::SubtreeKey;
use crate::hive::value::{REG_BINARY, REG_SZ, RawValue, utf16_units};

pub const HEADER: &str = "Windows Registry Editor Version 5.00";
const NEWLINE: &str = "\r\n";
/// regedit breaks a hex line once it reaches this many columns; with the `\` a line stays within
/// 80 columns.
const WRAP_AT: usize = 77;
/// Continuation lines start with two spaces.
const INDENT: &str = "  ";

/// The text of the file: `root` (e.g. `HKEY_LOCAL_MACHINE\SYSTEM`) is put in front of each
/// key's path.
pub fn render(root: &str, keys: &[SubtreeKey]) -> String {
    let mut out = format!("{HEADER}{NEWLINE}{NEWLINE}");
    for key in keys {
        out.push_str(&format!("[{root}\\{}]{NEWLINE}", key.path));
        for value in &key.values {
            write_value(&mut out, value);
            out.push_str(NEWLINE);
        }
        out.push_str(NEWLINE);
    }
    out
}

/// The file's bytes as regedit writes them: UTF-16LE after a byte order mark.
pub fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

fn write_value(out: &mut String, value: &RawValue) {
    let name = if value.name.is_empty() {
        "@=".to_string()
    } else {
        format!("\"{}\"=", escape(&value.name))
    };
    out.push_str(&name);
    match (value.data_type, plain_string(value), value.as_dword()) {
        (REG_SZ, Some(text), _) => out.push_str(&format!("\"{}\"", escape(&text))),
        (_, _, Some(dword)) => out.push_str(&format!("dword:{dword:08x}")),
        _ => write_hex(out, name.chars().count(), value.data_type, &value.data),
    }
}

/// `value` as text when writing it as a quoted string gives back exactly its bytes: UTF-16LE
/// with one terminating NUL, no other NUL, and no line break (which would end the line).
fn plain_string(value: &RawValue) -> Option<String> {
    let data = &value.data;
    if data.len() < 2 || data.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = utf16_units(data).collect();
    let (last, body) = units.split_last()?;
    if *last != 0 || body.contains(&0) {
        return None;
    }
    let text = String::from_utf16(body).ok()?;
    (!text.contains(['\r', '\n'])).then_some(text)
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// `hex:` for REG_BINARY, `hex(N):` otherwise, then the bytes as `xx,xx,...`, broken into lines
/// the way regedit breaks them. `column` is where the prefix starts.
fn write_hex(out: &mut String, column: usize, data_type: u32, data: &[u8]) {
    let prefix = if data_type == REG_BINARY {
        "hex:".to_string()
    } else {
        format!("hex({data_type:x}):")
    };
    out.push_str(&prefix);
    let mut column = column + prefix.len();
    for (i, byte) in data.iter().enumerate() {
        out.push_str(&format!("{byte:02x}"));
        if i + 1 == data.len() {
            break;
        }
        out.push(',');
        column += 3;
        if column >= WRAP_AT {
            out.push('\\');
            out.push_str(NEWLINE);
            out.push_str(INDENT);
            column = INDENT.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hive::value::REG_DWORD;

    fn value(name: &str, data_type: u32, data: &[u8]) -> RawValue {
        RawValue {
            name: name.to_string(),
            data_type,
            data: data.to_vec(),
        }
    }

    fn utf16z(text: &str) -> Vec<u8> {
        text.encode_utf16()
            .chain([0])
            .flat_map(u16::to_le_bytes)
            .collect()
    }

    fn one_value(v: RawValue) -> String {
        let keys = [SubtreeKey {
            path: r"ControlSet001\Services\WinSock2".to_string(),
            values: vec![v],
        }];
        let text = render(r"HKEY_LOCAL_MACHINE\SYSTEM", &keys);
        let body = text
            .strip_prefix(
                "Windows Registry Editor Version 5.00\r\n\r\n\
                 [HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\WinSock2]\r\n",
            )
            .expect("header and key line");
        body.strip_suffix("\r\n\r\n")
            .expect("value line")
            .to_string()
    }

    #[test]
    fn strings_are_quoted_and_escaped_unless_their_bytes_would_change() {
        assert_eq!(
            one_value(value("Path", REG_SZ, &utf16z(r#"C:\a "b""#))),
            r#""Path"="C:\\a \"b\"""#
        );
        assert_eq!(one_value(value("", REG_SZ, &utf16z("x"))), r#"@="x""#);
        // No terminator, an embedded NUL, a line break: hex keeps the exact bytes.
        assert_eq!(one_value(value("a", REG_SZ, b"x\0")), r#""a"=hex(1):78,00"#);
        assert_eq!(
            one_value(value("a", REG_SZ, &utf16z("x\0y"))),
            r#""a"=hex(1):78,00,00,00,79,00,00,00"#
        );
        assert!(one_value(value("a", REG_SZ, &utf16z("x\r\n"))).starts_with(r#""a"=hex(1):"#));
    }

    #[test]
    fn dwords_and_typed_hex() {
        assert_eq!(
            one_value(value("n", REG_DWORD, &0x1234_abcdu32.to_le_bytes())),
            r#""n"=dword:1234abcd"#
        );
        assert_eq!(
            one_value(value("n", REG_DWORD, &[1, 2])),
            r#""n"=hex(4):01,02"#
        );
        assert_eq!(one_value(value("b", REG_BINARY, &[0xab])), r#""b"=hex:ab"#);
        assert_eq!(
            one_value(value("e", 2, &utf16z("%x%"))),
            r#""e"=hex(2):25,00,78,00,25,00,00,00"#
        );
        assert_eq!(
            one_value(value("q", 11, &[0; 8])),
            r#""q"=hex(b):00,00,00,00,00,00,00,00"#
        );
        assert_eq!(one_value(value("z", 0, &[])), r#""z"=hex(0):"#);
        assert_eq!(
            one_value(value("w", 0xffff_0011, &[1])),
            r#""w"=hex(ffff0011):01"#
        );
    }

    #[test]
    fn long_hex_wraps_within_80_columns_like_regedit() {
        let data: Vec<u8> = (0..=255).collect();
        let text = one_value(value("PackedCatalogItem", REG_BINARY, &data));
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines.len() > 1);
        for (i, line) in lines.iter().enumerate() {
            assert!(line.len() <= 80, "line {i} is {} long: {line}", line.len());
            if i + 1 < lines.len() {
                assert!(line.ends_with(",\\"), "{line}");
            }
            if i > 0 {
                assert!(line.starts_with("  ") && !line.starts_with("   "), "{line}");
            }
        }
        // Windows' own exports of this value hold 18 bytes on the first line.
        assert_eq!(lines[0].matches(',').count(), 18);
        let bytes: Vec<u8> = text
            .trim_start_matches("\"PackedCatalogItem\"=hex:")
            .split([',', '\\', '\r', '\n', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| u8::from_str_radix(s, 16).unwrap())
            .collect();
        assert_eq!(bytes, data);
    }

    #[test]
    fn the_file_is_utf16le_with_a_bom() {
        let bytes = utf16le_with_bom("Wé\r\n");
        assert_eq!(bytes, [0xFF, 0xFE, b'W', 0, 0xE9, 0, b'\r', 0, b'\n', 0]);
    }
}
