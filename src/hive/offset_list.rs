//! Plain arrays of 32-bit cell offsets: the key values list (regf-spec "Key values list") and the
//! list of big data segments (regf-spec "Big data"). Their element count is stored elsewhere.

use crate::error::FormatError;
use crate::hive::le::{put_u32, u32_at};

/// Read `count` offsets from the cell data `data` found at `file_offset`.
pub fn parse(data: &[u8], count: usize, file_offset: u64) -> Result<Vec<u32>, FormatError> {
    let bytes = count
        .checked_mul(4)
        .and_then(|len| data.get(..len))
        .ok_or_else(|| {
            FormatError::at(
                file_offset,
                format!(
                    "expected a list of {count} offsets inside the {}-byte cell",
                    data.len()
                ),
            )
        })?;
    Ok(bytes
        .chunks_exact(4)
        .map(|e| u32_at(e, 0).unwrap_or(u32::MAX))
        .collect())
}

pub fn encode(offsets: &[u32]) -> Vec<u8> {
    let mut data = vec![0u8; offsets.len() * 4];
    for (i, &offset) in offsets.iter().enumerate() {
        put_u32(&mut data, i * 4, offset);
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_ignores_padding() {
        let mut bytes = encode(&[0x20, 0x1000, 0xdead0]);
        bytes.extend_from_slice(&[0xff; 4]);
        assert_eq!(parse(&bytes, 3, 0).unwrap(), vec![0x20, 0x1000, 0xdead0]);
    }

    #[test]
    fn a_count_past_the_cell_is_refused() {
        let err = parse(&encode(&[1, 2]), 3, 0x80).unwrap_err();
        assert_eq!(err.offset, Some(0x80));
        assert!(parse(&[], usize::MAX, 0).is_err());
    }
}
