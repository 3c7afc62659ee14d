//! A minimal PE builder for tests: a DLL with no code, one `.rsrc` section holding an RT_VERSION
//! resource (`VS_VERSIONINFO` with a fixed file info, one StringFileInfo table and a
//! Translation), as PE32 (x86) or PE32+ (x64). A few hundred bytes, built the way the PE/COFF
//! specification lays them out.

use super::spec::utf16z;

const FILE_ALIGNMENT: usize = 0x200;
const SECTION_ALIGNMENT: u32 = 0x1000;
const RSRC_RVA: u32 = 0x1000;
const RT_VERSION: u32 = 16;
const LANG_EN_US: u16 = 0x0409;
const CODEPAGE_UNICODE: u16 = 0x04B0;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Bits {
    Pe32,
    Pe32Plus,
}

/// The version strings to put in the resource, in order.
pub struct Version<'a> {
    pub strings: &'a [(&'a str, &'a str)],
    /// `a.b.c.d` of VS_FIXEDFILEINFO.
    pub fixed: [u16; 4],
}

/// A DLL with `version` as its version resource, or with no resource at all when `None`.
pub fn dll(bits: Bits, version: Option<&Version>) -> Vec<u8> {
    let rsrc = version.map(resource_section).unwrap_or_default();
    let optional_size: u16 = match bits {
        Bits::Pe32 => 224,
        Bits::Pe32Plus => 240,
    };
    let rsrc_raw = align(rsrc.len().max(1), FILE_ALIGNMENT);
    let size_of_image = SECTION_ALIGNMENT + align(rsrc_raw, SECTION_ALIGNMENT as usize) as u32;

    let mut out = vec![0u8; FILE_ALIGNMENT];
    // DOS header: "MZ" and e_lfanew.
    out[0] = b'M';
    out[1] = b'Z';
    put_u32(&mut out, 0x3C, 0x40);
    let mut at = 0x40;
    out[at..at + 4].copy_from_slice(b"PE\0\0");
    at += 4;
    // COFF file header.
    let machine: u16 = match bits {
        Bits::Pe32 => 0x14C,
        Bits::Pe32Plus => 0x8664,
    };
    put_u16(&mut out, at, machine);
    put_u16(&mut out, at + 2, 1); // NumberOfSections
    put_u16(&mut out, at + 16, optional_size);
    put_u16(&mut out, at + 18, 0x2102); // EXECUTABLE_IMAGE | 32BIT_MACHINE | DLL
    at += 20;
    // Optional header.
    let optional = at;
    put_u16(&mut out, at, if bits == Bits::Pe32 { 0x10B } else { 0x20B });
    let (after_base, base_size) = match bits {
        Bits::Pe32 => (28, 4),
        Bits::Pe32Plus => (24, 8),
    };
    put_u32(&mut out, at + 8, rsrc_raw as u32); // SizeOfInitializedData
    // ImageBase.
    match bits {
        Bits::Pe32 => put_u32(&mut out, at + 28, 0x1000_0000),
        Bits::Pe32Plus => put_u64(&mut out, at + 24, 0x1_8000_0000),
    }
    let common = at + after_base + base_size;
    put_u32(&mut out, common, SECTION_ALIGNMENT);
    put_u32(&mut out, common + 4, FILE_ALIGNMENT as u32);
    put_u16(&mut out, common + 8, 6); // MajorOperatingSystemVersion
    put_u16(&mut out, common + 16, 6); // MajorSubsystemVersion
    put_u32(&mut out, common + 24, size_of_image);
    put_u32(&mut out, common + 28, FILE_ALIGNMENT as u32); // SizeOfHeaders
    put_u16(&mut out, common + 36, 3); // Subsystem: console
    let stack_heap = common + 40;
    let number_of_rva = stack_heap + 4 * base_size + 4;
    put_u32(&mut out, number_of_rva, 16);
    let directories = number_of_rva + 4;
    if !rsrc.is_empty() {
        // Data directory 2: resources.
        put_u32(&mut out, directories + 2 * 8, RSRC_RVA);
        put_u32(&mut out, directories + 2 * 8 + 4, rsrc.len() as u32);
    }
    let section = optional + optional_size as usize;
    assert_eq!(section, directories + 16 * 8, "optional header layout");
    out[section..section + 5].copy_from_slice(b".rsrc");
    put_u32(&mut out, section + 8, rsrc.len().max(1) as u32); // VirtualSize
    put_u32(&mut out, section + 12, RSRC_RVA);
    put_u32(&mut out, section + 16, rsrc_raw as u32); // SizeOfRawData
    put_u32(&mut out, section + 20, FILE_ALIGNMENT as u32); // PointerToRawData
    put_u32(&mut out, section + 36, 0x4000_0040); // INITIALIZED_DATA | MEM_READ

    let mut body = rsrc;
    body.resize(rsrc_raw, 0);
    out.extend(body);
    out
}

/// The `.rsrc` section: three directory levels (type, name, language), one data entry, the
/// VS_VERSIONINFO blob.
fn resource_section(version: &Version) -> Vec<u8> {
    let blob = version_info(version);
    let mut out = Vec::new();
    // Level 1: type RT_VERSION -> level 2 at 24.
    directory(&mut out, RT_VERSION, 0x8000_0000 | 24);
    // Level 2: name 1 -> level 3 at 48.
    directory(&mut out, 1, 0x8000_0000 | 48);
    // Level 3: language -> data entry at 72.
    directory(&mut out, u32::from(LANG_EN_US), 72);
    // Data entry: RVA and size of the blob at 88.
    out.extend_from_slice(&(RSRC_RVA + 88).to_le_bytes());
    out.extend_from_slice(&(blob.len() as u32).to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    assert_eq!(out.len(), 88);
    out.extend(blob);
    out
}

/// An IMAGE_RESOURCE_DIRECTORY with one id entry.
fn directory(out: &mut Vec<u8>, id: u32, target: u32) {
    out.extend_from_slice(&[0u8; 12]); // Characteristics, TimeDateStamp, versions
    out.extend_from_slice(&0u16.to_le_bytes()); // named entries
    out.extend_from_slice(&1u16.to_le_bytes()); // id entries
    out.extend_from_slice(&id.to_le_bytes());
    out.extend_from_slice(&target.to_le_bytes());
}

fn version_info(version: &Version) -> Vec<u8> {
    let [a, b, c, d] = version.fixed.map(u32::from);
    let mut fixed = Vec::new();
    for word in [
        0xFEEF_04BD, // dwSignature
        0x0001_0000, // dwStrucVersion
        a << 16 | b, // dwFileVersionMS
        c << 16 | d, // dwFileVersionLS
        a << 16 | b, // dwProductVersionMS
        c << 16 | d, // dwProductVersionLS
        0x3F,        // dwFileFlagsMask
        0,           // dwFileFlags
        0x0004_0004, // dwFileOS: VOS_NT_WINDOWS32
        2,           // dwFileType: VFT_DLL
        0,           // dwFileSubtype
        0,           // dwFileDateMS
        0,           // dwFileDateLS
    ] {
        fixed.extend_from_slice(&u32::to_le_bytes(word));
    }
    let strings: Vec<Vec<u8>> = version
        .strings
        .iter()
        .map(|(key, value)| {
            let text = utf16z(value);
            node(key, &text, (text.len() / 2) as u16, 1, &[])
        })
        .collect();
    let language = format!("{LANG_EN_US:04X}{CODEPAGE_UNICODE:04X}");
    let table = node(&language, &[], 0, 1, &strings);
    let string_file_info = node("StringFileInfo", &[], 0, 1, &[table]);
    let mut translation = LANG_EN_US.to_le_bytes().to_vec();
    translation.extend_from_slice(&CODEPAGE_UNICODE.to_le_bytes());
    let var = node("Translation", &translation, 4, 0, &[]);
    let var_file_info = node("VarFileInfo", &[], 0, 1, &[var]);
    node(
        "VS_VERSION_INFO",
        &fixed,
        fixed.len() as u16,
        0,
        &[string_file_info, var_file_info],
    )
}

/// One version-resource node: wLength, wValueLength, wType, szKey, padding, Value, padding,
/// children (each starting on a 4-byte boundary).
fn node(key: &str, value: &[u8], value_length: u16, kind: u16, children: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0u8; 6];
    put_u16(&mut out, 2, value_length);
    put_u16(&mut out, 4, kind);
    out.extend(utf16z(key));
    pad4(&mut out);
    out.extend_from_slice(value);
    for child in children {
        pad4(&mut out);
        out.extend_from_slice(child);
    }
    let length = out.len() as u16;
    put_u16(&mut out, 0, length);
    out
}

fn pad4(out: &mut Vec<u8>) {
    out.resize(align(out.len(), 4), 0);
}

fn align(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

fn put_u16(out: &mut [u8], at: usize, v: u16) {
    out[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(out: &mut [u8], at: usize, v: u32) {
    out[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn put_u64(out: &mut [u8], at: usize, v: u64) {
    out[at..at + 8].copy_from_slice(&v.to_le_bytes());
}
