//! The version resource (`RT_VERSION`, `VS_VERSIONINFO`) of a PE file: who made it and what it
//! claims to be. Parsing is goblin's (bounds-checked reads, no unsafe: the file may be crafted);
//! this picks the strings a technician compares.

use goblin::pe::PE;
use goblin::pe::resource::VersionField;
use serde::Serialize;

/// The version strings of one file (the first string table that has each).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VersionStrings {
    pub company_name: Option<String>,
    pub file_version: Option<String>,
    pub original_filename: Option<String>,
    pub product_name: Option<String>,
    pub file_description: Option<String>,
    /// The fixed, binary file version (`VS_FIXEDFILEINFO`), `a.b.c.d`.
    pub fixed_file_version: Option<String>,
}

/// The version strings of the PE image `bytes`; the error says why there are none.
pub fn read_version(bytes: &[u8]) -> Result<VersionStrings, String> {
    let pe = PE::parse(bytes).map_err(|e| format!("not a readable PE image: {e}"))?;
    let info = pe
        .resource_data
        .and_then(|r| r.version_info)
        .ok_or("no version resource")?;
    let strings = info.string_info;
    let trimmed = |s: Option<String>| s.map(|s| s.trim_end_matches('\0').to_string());
    Ok(VersionStrings {
        company_name: trimmed(strings.company_name()),
        file_version: trimmed(strings.file_version()),
        original_filename: trimmed(strings.original_filename()),
        product_name: trimmed(strings.product_name()),
        file_description: trimmed(strings.file_description()),
        fixed_file_version: info
            .fixed_info
            .filter(|fixed| fixed.is_valid())
            // Not `file_version()`: goblin 0.10.7 builds it from the file *date* fields.
            .map(|fixed| {
                VersionField::from_ms_ls(fixed.file_version_ms, fixed.file_version_ls).to_string()
            }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_pe_image_is_an_error_not_a_panic() {
        assert!(read_version(b"").is_err());
        assert!(read_version(b"MZ").is_err());
        let mut junk = vec![0u8; 4096];
        junk[0] = b'M';
        junk[1] = b'Z';
        junk[0x3C] = 0x40;
        assert!(read_version(&junk).is_err());
    }
}
