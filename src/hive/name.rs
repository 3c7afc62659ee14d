//! Key and value names as stored: "compressed" Latin-1 when every UTF-16 code unit is below 256,
//! else UTF-16LE. Names are compared case-insensitively the way Windows does through the `Ord` of
//! nt-hive's [`NtHiveNameString`] (its BMP uppercase table), so the order written is the order readers
//! binary-search.

use nt_hive::NtHiveNameString;

/// A name in its on-disk form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredName {
    pub bytes: Vec<u8>,
    /// Latin-1 bytes (flag KEY_COMP_NAME / VALUE_COMP_NAME) rather than UTF-16LE.
    pub compressed: bool,
}

impl StoredName {
    /// The on-disk form Windows picks for `name`.
    pub fn encode(name: &str) -> Self {
        match name
            .chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect()
        {
            Some(latin1) => Self {
                bytes: latin1,
                compressed: true,
            },
            None => Self {
                bytes: name.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                compressed: false,
            },
        }
    }

    pub fn as_nt(&self) -> NtHiveNameString<'_> {
        as_nt(&self.bytes, self.compressed)
    }
}

/// View stored name bytes as nt-hive's case-insensitive string.
pub fn as_nt(bytes: &[u8], compressed: bool) -> NtHiveNameString<'_> {
    if compressed {
        NtHiveNameString::Latin1(bytes)
    } else {
        NtHiveNameString::Utf16LE(bytes)
    }
}

/// The UTF-16 code units of a stored name.
fn code_units<'a>(name: &'a NtHiveNameString<'_>) -> Box<dyn Iterator<Item = u16> + 'a> {
    match name {
        NtHiveNameString::Latin1(b) => Box::new(b.iter().map(|&c| u16::from(c))),
        NtHiveNameString::Utf16LE(b) => Box::new(
            b.chunks_exact(2)
                .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
        ),
    }
}

/// Length in bytes of the name as UTF-16LE: the unit of the nk "largest name" fields.
pub fn utf16_byte_len(name: &NtHiveNameString<'_>) -> u32 {
    match name {
        NtHiveNameString::Latin1(b) => (b.len() as u32).saturating_mul(2),
        NtHiveNameString::Utf16LE(b) => b.len() as u32,
    }
}

/// Uppercase one UTF-16 code unit with a one-to-one mapping inside the BMP, as Windows does. nt-hive
/// keeps its table private, so this uses the standard library's mapping, restricted the same way
/// (no expansions such as ß -> SS, no characters outside the BMP).
fn uppercase_unit(unit: u16) -> u16 {
    // Most names are ASCII: the fast path gives the same answer as the table below.
    if let Ok(ascii) = u8::try_from(unit) {
        if ascii.is_ascii() {
            return u16::from(ascii.to_ascii_uppercase());
        }
    }
    let Some(c) = char::from_u32(u32::from(unit)) else {
        return unit; // a lone surrogate has no case
    };
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => u16::try_from(u32::from(u)).unwrap_or(unit),
        _ => unit,
    }
}

/// The `lh` name hash (regf-spec "Hash leaf"): H = 37 * H + c over the uppercased code units.
pub fn lh_hash(name: &NtHiveNameString<'_>) -> u32 {
    code_units(name).fold(0u32, |h, c| {
        h.wrapping_mul(37)
            .wrapping_add(u32::from(uppercase_unit(c)))
    })
}

/// The `lf` name hint: the first four characters as Latin-1, NUL padded; a first byte of 0 when
/// one of them is not representable.
pub fn lf_hint(name: &NtHiveNameString<'_>) -> [u8; 4] {
    let mut hint = [0u8; 4];
    for (slot, unit) in hint.iter_mut().zip(code_units(name)) {
        match u8::try_from(unit) {
            Ok(b) => *slot = b,
            Err(_) => return [0; 4],
        }
    }
    hint
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn latin1_names_are_compressed_others_utf16() {
        let n = StoredName::encode("Größe");
        assert!(n.compressed);
        assert_eq!(n.bytes, b"Gr\xf6\xdfe");
        let n = StoredName::encode("Ключ");
        assert!(!n.compressed);
        assert_eq!(n.bytes.len(), 8);
        assert_eq!(n.as_nt().to_string_lossy(), "Ключ");
    }

    #[test]
    fn order_is_by_uppercase_so_underscore_sorts_after_letters() {
        // '_' (0x5F) lies between 'Z' and 'a': lowercase comparison would put it first.
        let a = StoredName::encode("Lovelace(C:_)");
        let b = StoredName::encode("lovelace(__?_GLOBALROOT)");
        assert_eq!(a.as_nt().cmp(&b.as_nt()), Ordering::Less);
        let x = StoredName::encode("WINSOCK2");
        let y = StoredName::encode("WinSock2");
        assert_eq!(x.as_nt().cmp(&y.as_nt()), Ordering::Equal);
    }

    #[test]
    fn hash_matches_the_spec_and_ignores_case_in_both_encodings() {
        let expected = "ABC".bytes().fold(0u32, |h, c| h * 37 + u32::from(c));
        assert_eq!(lh_hash(&StoredName::encode("abc").as_nt()), expected);
        let latin = StoredName::encode("é");
        let utf16 = NtHiveNameString::Utf16LE(&[0xe9, 0]);
        assert_eq!(lh_hash(&latin.as_nt()), lh_hash(&utf16));
        assert_eq!(lh_hash(&utf16), 0xc9);
        // ß has no one-to-one uppercase: it stays.
        assert_eq!(lh_hash(&StoredName::encode("ß").as_nt()), 0xdf);
    }

    #[test]
    fn hints_keep_case_and_pad() {
        assert_eq!(lf_hint(&StoredName::encode("Ab").as_nt()), *b"Ab\0\0");
        assert_eq!(lf_hint(&StoredName::encode("Parameters").as_nt()), *b"Para");
        assert_eq!(lf_hint(&StoredName::encode("aКлюч").as_nt()), [0; 4]);
        assert_eq!(utf16_byte_len(&StoredName::encode("Ab").as_nt()), 4);
    }
}
