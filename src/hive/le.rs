//! Little-endian fields of untrusted records: reads are checked, writes go into buffers whose size
//! the writer chose itself.

use crate::error::{FormatError, found_bytes};

pub(crate) fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    let b = bytes.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([b[0], b[1]]))
}

pub(crate) fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

pub(crate) fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    let lo = u32_at(bytes, at)?;
    let hi = u32_at(bytes, at.checked_add(4)?)?;
    Some(u64::from(lo) | u64::from(hi) << 32)
}

/// Refuse a record `data` (`what`, at `file_offset`) that does not start with its two-letter
/// `signature`.
pub(crate) fn expect_signature(
    data: &[u8],
    signature: &[u8; 2],
    what: &str,
    file_offset: u64,
) -> Result<(), FormatError> {
    let sig = data.get(..2);
    if sig == Some(signature) {
        return Ok(());
    }
    Err(FormatError::at(
        file_offset,
        format!(
            "expected {what} (\"{}\"), found {}",
            signature.escape_ascii(),
            found_bytes(sig)
        ),
    ))
}

/// A record: a `header_size`-byte header that `write_header` fills, then `tail`.
pub(crate) fn header_and_tail(
    header_size: usize,
    tail: &[u8],
    write_header: impl FnOnce(&mut [u8]),
) -> Vec<u8> {
    let mut data = vec![0u8; header_size + tail.len()];
    write_header(&mut data[..header_size]);
    data[header_size..].copy_from_slice(tail);
    data
}

/// Store `value` at `at`. `bytes` was sized by the writer, so a short buffer is a bug in this
/// crate, not in the input.
pub(crate) fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

pub(crate) fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

pub(crate) fn put_u64(bytes: &mut [u8], at: usize, value: u64) {
    bytes[at..at + 8].copy_from_slice(&value.to_le_bytes());
}
