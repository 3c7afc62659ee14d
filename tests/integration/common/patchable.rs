//! `PatchableHive`: a copy of a real hive in a temporary folder, edited in place the way damage,
//! an installer or malware would leave it: values overwritten (same size), keys and values
//! renamed (same or shorter length). It walks the regf structures itself (base block, nk, vk,
//! lf/lh/li/ri), independently of the code under test, and never changes a cell's size, so
//! the copy stays a well-formed hive.

use std::path::{Path, PathBuf};

const BINS: usize = 0x1000;
const NK_FLAGS: usize = 0x02;
const NK_SUBKEY_COUNT: usize = 0x14;
const NK_SUBKEY_LIST: usize = 0x1C;
const NK_VALUE_COUNT: usize = 0x24;
const NK_VALUE_LIST: usize = 0x28;
const NK_NAME_LEN: usize = 0x48;
const NK_NAME: usize = 0x4C;
const KEY_COMP_NAME: u16 = 0x20;
const VK_NAME_LEN: usize = 0x02;
const VK_DATA_SIZE: usize = 0x04;
const VK_DATA: usize = 0x08;
const VK_TYPE: usize = 0x0C;
const VK_FLAGS: usize = 0x10;
const VK_NAME: usize = 0x14;
const VALUE_COMP_NAME: u16 = 0x01;
const INLINE_DATA: u32 = 0x8000_0000;

/// The real hives the fault tests patch, relative to the hives folder.
pub const NT4: &str = "real/nt4-sp3-x86-dc/SYSTEM";
pub const XP: &str = "real/winxp-sp3-x86-m57/SYSTEM";
pub const WIN7: &str = "real/win7-sp1-x86/SYSTEM";
pub const WIN81: &str = "real/win81-x64-dirty/SYSTEM";
pub const WIN10: &str = "real/win10-1903-x64-dirty/SYSTEM";

/// Keys of their current control set (ControlSet001 in each of them).
pub const SERVICES: &str = r"ControlSet001\Services";
pub const PARAMS: &str = r"ControlSet001\Services\WinSock2\Parameters";
pub const PROTO: &str = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9";
pub const NS: &str = r"ControlSet001\Services\WinSock2\Parameters\NameSpace_Catalog5";

/// Protocol catalog entry `n` of `list` (`Catalog_Entries` or `Catalog_Entries64`).
pub fn entry(list: &str, n: u32) -> String {
    format!(r"{PROTO}\{list}\{n:012}")
}

/// A name as a hive stores it: Latin-1 bytes when `compressed`, else UTF-16LE.
pub fn stored_name(raw: &[u8], compressed: bool) -> String {
    if compressed {
        raw.iter().map(|&b| char::from(b)).collect()
    } else {
        let units: Vec<u16> = raw
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    }
}

/// A copy of a real hive, or `None` (after a loud message) when the hives are absent.
pub fn copy(relative: &str) -> Option<PatchableHive> {
    crate::common::hives_dir().map(|dir| PatchableHive::copy_of(&dir, relative))
}

pub struct PatchableHive {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
    bytes: Vec<u8>,
}

/// A subkey found in a list: its nk cell and where the list stores its hash, if any.
struct Subkey {
    name: String,
    nk: usize,
    hash_slot: Option<(usize, bool)>,
}

impl PatchableHive {
    /// A copy of `hives/<relative>` as `SYSTEM` in a new temporary folder.
    pub fn copy_of(hives: &Path, relative: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("SYSTEM");
        let bytes = std::fs::read(hives.join(relative)).expect("read hive");
        std::fs::write(&path, &bytes).expect("write copy");
        Self {
            _dir: dir,
            path,
            bytes,
        }
    }

    /// Write the edits to the copy.
    pub fn save(&self) -> &Path {
        std::fs::write(&self.path, &self.bytes).expect("write copy");
        &self.path
    }

    fn u16_at(&self, off: usize) -> u16 {
        u16::from_le_bytes(self.bytes[off..off + 2].try_into().unwrap())
    }

    fn u32_at(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.bytes[off..off + 4].try_into().unwrap())
    }

    fn put(&mut self, off: usize, data: &[u8]) {
        self.bytes[off..off + data.len()].copy_from_slice(data);
    }

    /// File offset of the data of the cell at hive offset `cell`.
    fn cell(&self, cell: u32) -> usize {
        BINS + cell as usize + 4
    }

    fn name_at(&self, off: usize, len: usize, compressed: bool) -> String {
        stored_name(&self.bytes[off..off + len], compressed)
    }

    fn key_name(&self, nk: usize) -> String {
        let compressed = self.u16_at(nk + NK_FLAGS) & KEY_COMP_NAME != 0;
        let len = self.u16_at(nk + NK_NAME_LEN) as usize;
        self.name_at(nk + NK_NAME, len, compressed)
    }

    fn list_subkeys(&self, list: usize, out: &mut Vec<Subkey>) {
        let sig = &self.bytes[list..list + 2];
        let count = self.u16_at(list + 2) as usize;
        match sig {
            b"lf" | b"lh" => {
                for i in 0..count {
                    let slot = list + 4 + 8 * i;
                    let nk = self.cell(self.u32_at(slot));
                    out.push(Subkey {
                        name: self.key_name(nk),
                        nk,
                        hash_slot: Some((slot + 4, sig == b"lh")),
                    });
                }
            }
            b"li" => {
                for i in 0..count {
                    let nk = self.cell(self.u32_at(list + 4 + 4 * i));
                    out.push(Subkey {
                        name: self.key_name(nk),
                        nk,
                        hash_slot: None,
                    });
                }
            }
            b"ri" => {
                for i in 0..count {
                    let sub = self.cell(self.u32_at(list + 4 + 4 * i));
                    self.list_subkeys(sub, out);
                }
            }
            other => panic!("unexpected subkey list signature {other:?}"),
        }
    }

    fn subkeys(&self, nk: usize) -> Vec<Subkey> {
        let mut out = Vec::new();
        if self.u32_at(nk + NK_SUBKEY_COUNT) > 0 {
            let list = self.cell(self.u32_at(nk + NK_SUBKEY_LIST));
            self.list_subkeys(list, &mut out);
        }
        out
    }

    fn root(&self) -> usize {
        self.cell(self.u32_at(0x24))
    }

    fn find(&self, path: &str) -> Subkey {
        let mut current = Subkey {
            name: String::new(),
            nk: self.root(),
            hash_slot: None,
        };
        for part in path.split('\\') {
            current = self
                .subkeys(current.nk)
                .into_iter()
                .find(|s| s.name.eq_ignore_ascii_case(part))
                .unwrap_or_else(|| panic!("no key {part:?} on the way to {path}"));
        }
        current
    }

    /// Rename the key at `path` to `new_name` (at most as long as the old name, ASCII), and fix
    /// the hash its parent's lf/lh list keeps for it.
    pub fn rename_key(&mut self, path: &str, new_name: &str) {
        let key = self.find(path);
        let old_len = self.u16_at(key.nk + NK_NAME_LEN) as usize;
        assert!(
            self.u16_at(key.nk + NK_FLAGS) & KEY_COMP_NAME != 0,
            "{path}: only ASCII names"
        );
        assert!(new_name.len() <= old_len && new_name.is_ascii());
        self.put(key.nk + NK_NAME, new_name.as_bytes());
        self.put(key.nk + NK_NAME_LEN, &(new_name.len() as u16).to_le_bytes());
        if let Some((slot, lh)) = key.hash_slot {
            let hash = if lh {
                new_name.bytes().fold(0u32, |h, b| {
                    h.wrapping_mul(37)
                        .wrapping_add(u32::from(b.to_ascii_uppercase()))
                })
            } else {
                let mut first = [0u8; 4];
                for (d, s) in first.iter_mut().zip(new_name.bytes()) {
                    *d = s;
                }
                u32::from_le_bytes(first)
            };
            self.put(slot, &hash.to_le_bytes());
        }
    }

    /// The vk cell of value `name` of the key at `path`.
    fn value(&self, path: &str, name: &str) -> usize {
        let nk = self.find(path).nk;
        let count = self.u32_at(nk + NK_VALUE_COUNT) as usize;
        let list = self.cell(self.u32_at(nk + NK_VALUE_LIST));
        (0..count)
            .map(|i| self.cell(self.u32_at(list + 4 * i)))
            .find(|&vk| {
                let len = self.u16_at(vk + VK_NAME_LEN) as usize;
                let compressed = self.u16_at(vk + VK_FLAGS) & VALUE_COMP_NAME != 0;
                self.name_at(vk + VK_NAME, len, compressed)
                    .eq_ignore_ascii_case(name)
            })
            .unwrap_or_else(|| panic!("no value {name} in {path}"))
    }

    /// (file offset, length) of a value's data.
    fn data(&self, path: &str, name: &str) -> (usize, usize) {
        let vk = self.value(path, name);
        let size = self.u32_at(vk + VK_DATA_SIZE);
        if size & INLINE_DATA != 0 {
            (vk + VK_DATA, (size & !INLINE_DATA) as usize)
        } else {
            (self.cell(self.u32_at(vk + VK_DATA)), size as usize)
        }
    }

    pub fn read_value(&self, path: &str, name: &str) -> Vec<u8> {
        let (off, len) = self.data(path, name);
        self.bytes[off..off + len].to_vec()
    }

    /// Overwrite a value's data with as many bytes as it has.
    pub fn write_value(&mut self, path: &str, name: &str, data: &[u8]) {
        let (off, len) = self.data(path, name);
        assert_eq!(data.len(), len, "{path}\\{name}: same size only");
        self.put(off, data);
    }

    pub fn set_dword(&mut self, path: &str, name: &str, value: u32) {
        self.write_value(path, name, &value.to_le_bytes());
    }

    /// Overwrite a REG_SZ with `text`, NUL-padded to the value's size.
    pub fn set_string(&mut self, path: &str, name: &str, text: &str) {
        let (_, len) = self.data(path, name);
        let mut data: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(
            data.len() + 2 <= len,
            "{text:?} does not fit in {path}\\{name}"
        );
        data.resize(len, 0);
        self.write_value(path, name, &data);
    }

    /// Rename a value (same or shorter length, ASCII).
    pub fn rename_value(&mut self, path: &str, name: &str, new_name: &str) {
        let vk = self.value(path, name);
        assert!(self.u16_at(vk + VK_FLAGS) & VALUE_COMP_NAME != 0);
        assert!(new_name.len() <= self.u16_at(vk + VK_NAME_LEN) as usize);
        self.put(vk + VK_NAME, new_name.as_bytes());
        self.put(vk + VK_NAME_LEN, &(new_name.len() as u16).to_le_bytes());
    }

    /// Change the length a value claims (never beyond its cell: only shorter).
    pub fn shorten_value(&mut self, path: &str, name: &str, len: u32) {
        let vk = self.value(path, name);
        let size = self.u32_at(vk + VK_DATA_SIZE);
        assert!(size & INLINE_DATA == 0 && len <= size);
        self.put(vk + VK_DATA_SIZE, &len.to_le_bytes());
    }

    pub fn set_value_type(&mut self, path: &str, name: &str, data_type: u32) {
        let vk = self.value(path, name);
        self.put(vk + VK_TYPE, &data_type.to_le_bytes());
    }

    /// The hook DLLs AutodialDLL and NameSpace_Callout moved out of the system directory, as
    /// malware would (no longer than the originals: patched in place).
    pub fn move_hook_dlls(&mut self) {
        self.set_string(PARAMS, "AutodialDLL", r"C:\Users\Public\rasadhlp.dll");
        let callout = r"%SystemRoot%\Temp\fwpuclnt.dll";
        self.set_string(PARAMS, "NameSpace_Callout", callout);
    }

    pub fn packed_item(&self, entry_key: &str) -> PackedItem {
        PackedItem(self.read_value(entry_key, "PackedCatalogItem"))
    }

    pub fn set_packed_item(&mut self, entry_key: &str, item: &PackedItem) {
        self.write_value(entry_key, "PackedCatalogItem", &item.0);
    }
}

/// The 888 bytes of a PackedCatalogItem with setters at the documented offsets (format doc
/// §2.1), so tests can lay out entries like an LSP installer does.
#[derive(Clone)]
pub struct PackedItem(pub Vec<u8>);

pub const PFL_HIDDEN: u32 = 0x4;
pub const PFL_MATCHES_PROTOCOL_ZERO: u32 = 0x8;

impl PackedItem {
    fn u32_at(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.0[off..off + 4].try_into().unwrap())
    }

    fn set_u32(&mut self, off: usize, v: u32) -> &mut Self {
        self.0[off..off + 4].copy_from_slice(&v.to_le_bytes());
        self
    }

    /// Overwrite the path's first bytes and NUL (what the offline injection PoC does).
    pub fn path(&mut self, path: &str) -> &mut Self {
        assert!(path.len() < 260);
        self.0[..path.len()].copy_from_slice(path.as_bytes());
        self.0[path.len()] = 0;
        self
    }

    pub fn provider_flags(&self) -> u32 {
        self.u32_at(0x114)
    }

    pub fn set_provider_flags(&mut self, flags: u32) -> &mut Self {
        self.set_u32(0x114, flags)
    }

    pub fn provider_id(&mut self, guid: &str) -> &mut Self {
        let hex: String = guid.chars().filter(char::is_ascii_hexdigit).collect();
        let byte = |i: usize| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap();
        let mut b: Vec<u8> = (0..16).map(byte).collect();
        b[0..4].reverse();
        b[4..6].reverse();
        b[6..8].reverse();
        self.0[0x118..0x128].copy_from_slice(&b);
        self
    }

    pub fn id(&self) -> u32 {
        self.u32_at(0x128)
    }

    pub fn set_id(&mut self, id: u32) -> &mut Self {
        self.set_u32(0x128, id)
    }

    /// ChainLen and ChainEntries (unused slots zeroed).
    pub fn chain(&mut self, chain_len: u32, entries: &[u32]) -> &mut Self {
        self.set_u32(0x12C, chain_len);
        for i in 0..7 {
            self.set_u32(0x130 + 4 * i, entries.get(i).copied().unwrap_or(0));
        }
        self
    }

    pub fn triple(&mut self, af: u32, socket_type: u32, protocol: u32) -> &mut Self {
        self.set_u32(0x150, af)
            .set_u32(0x15C, socket_type)
            .set_u32(0x160, protocol)
    }

    pub fn name(&mut self, name: &str) -> &mut Self {
        let units: Vec<u8> = name.encode_utf16().flat_map(u16::to_le_bytes).collect();
        self.0[0x178..0x378].fill(0);
        self.0[0x178..0x178 + units.len()].copy_from_slice(&units);
        self
    }
}
