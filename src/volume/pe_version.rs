//! The version resource (`RT_VERSION`, `VS_VERSIONINFO`) of a PE file: who made it and what it
//! claims to be. Parsing is pelite's; this picks the strings a technician compares.

use pelite::PeFile;
use pelite::resources::version_info::Language;
use serde::Serialize;

/// The version strings of one file, from its first string table in the order of its
/// `Translation` list (else the lowest language id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct VersionStrings {
    /// The string table's language and code page, as in the resource (`040904B0`).
    pub language: String,
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
    let file = PeFile::from_bytes(bytes).map_err(|e| format!("not a PE image: {e}"))?;
    let resources = file
        .resources()
        .map_err(|e| format!("no resource section: {e}"))?;
    let info = resources
        .version_info()
        .map_err(|e| format!("no version resource: {e}"))?;
    let file_info = info.file_info();
    let mut tables: Vec<&Language> = file_info.strings.keys().collect();
    tables.sort_by_key(|lang| (lang.lang_id, lang.charset_id));
    let language = info
        .translation()
        .iter()
        .find(|lang| file_info.strings.contains_key(lang))
        .or(tables.first().copied())
        .ok_or("version resource without a string table")?;
    let strings = file_info.strings.get(language);
    let get = |key: &str| {
        strings
            .and_then(|s| s.get(key))
            .map(|v| v.trim_end_matches('\0').to_string())
    };
    let fixed_file_version = file_info.fixed.map(|fixed| fixed.dwFileVersion.to_string());
    Ok(VersionStrings {
        language: format!("{:04X}{:04X}", language.lang_id, language.charset_id),
        company_name: get("CompanyName"),
        file_version: get("FileVersion"),
        original_filename: get("OriginalFilename"),
        product_name: get("ProductName"),
        file_description: get("FileDescription"),
        fixed_file_version,
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
