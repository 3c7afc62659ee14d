//! The `Mapping` REG_BINARY of a WSH helper (`Services\<T>\Parameters\Winsock`): which
//! (address family, socket type, protocol) triples the transport serves (`WINSOCK_MAPPING`,
//! wsahelp.h): `DWORD Rows; DWORD Columns; DWORD Mapping[Rows][Columns]`.

use serde::Serialize;

use crate::error::FormatError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MappingTriple {
    pub address_family: u32,
    pub socket_type: u32,
    pub protocol: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WinsockMapping {
    pub rows: u32,
    pub columns: u32,
    pub triples: Vec<MappingTriple>,
    /// Bytes after the last row (Windows writes none).
    pub trailing_bytes: usize,
}

const HEADER_LEN: usize = 8;
const ROW_LEN: usize = 12;

impl WinsockMapping {
    pub fn decode(bytes: &[u8]) -> Result<Self, FormatError> {
        let dword = |off: usize| {
            bytes
                .get(off..off + 4)
                .and_then(|b| <[u8; 4]>::try_from(b).ok())
                .map(u32::from_le_bytes)
        };
        let (Some(rows), Some(columns)) = (dword(0), dword(4)) else {
            return Err(FormatError::new(format!(
                "Mapping: expected at least {HEADER_LEN} bytes (rows, columns), found {}",
                bytes.len()
            )));
        };
        if columns != 3 {
            return Err(FormatError::new(format!(
                "Mapping: expected 3 columns (family, type, protocol), found {columns}"
            )));
        }
        let needed = (rows as usize)
            .checked_mul(ROW_LEN)
            .and_then(|n| n.checked_add(HEADER_LEN))
            .filter(|&n| n <= bytes.len())
            .ok_or_else(|| {
                FormatError::new(format!(
                    "Mapping truncated: {rows} rows need {} bytes, found {}",
                    u64::from(rows) * ROW_LEN as u64 + HEADER_LEN as u64,
                    bytes.len()
                ))
            })?;
        let triples = bytes[HEADER_LEN..needed]
            .chunks_exact(ROW_LEN)
            .map(|row| {
                let at =
                    |i: usize| u32::from_le_bytes([row[i], row[i + 1], row[i + 2], row[i + 3]]);
                MappingTriple {
                    address_family: at(0),
                    socket_type: at(4),
                    protocol: at(8),
                }
            })
            .collect();
        Ok(Self {
            rows,
            columns,
            triples,
            trailing_bytes: bytes.len() - needed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_le_bytes()).collect()
    }

    #[test]
    fn decodes_rows_of_triples() {
        let m = WinsockMapping::decode(&mapping(&[2, 3, 2, 1, 6, 2, 2, 17])).unwrap();
        assert_eq!(m.triples.len(), 2);
        assert_eq!(
            m.triples[1],
            MappingTriple {
                address_family: 2,
                socket_type: 2,
                protocol: 17
            }
        );
        assert_eq!(m.trailing_bytes, 0);
    }

    #[test]
    fn refuses_short_or_odd_layouts() {
        assert!(WinsockMapping::decode(&mapping(&[1])).is_err());
        assert!(WinsockMapping::decode(&mapping(&[1, 4, 0, 0, 0, 0])).is_err());
        let err = WinsockMapping::decode(&mapping(&[u32::MAX, 3, 2, 1, 6])).unwrap_err();
        assert!(err.message.contains("truncated"), "{err}");
    }
}
