//! What the fuzz targets share: bounded tree walks, the hives the builder makes, and how a
//! replay input is split into a primary and its logs.

use std::sync::OnceLock;

use nt_hive::{Hive, NtHiveError};
use winsock_doctor::error::FormatError;
use winsock_doctor::hive::big_data::SEGMENT_SIZE;
use winsock_doctor::hive::builder::build_hive;
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor::hive::panic_guard::guarded;
use winsock_doctor::hive::reader::HiveReader;
use winsock_doctor::hive::value::{REG_BINARY, REG_DWORD, REG_SZ};
use winsock_doctor::winsock::catalog::read_system_catalogs;
use winsock_doctor::winsock::packed_item::PACKED_ITEM_LEN;

/// The integration tests' shorthands for the hive builder's specs.
#[path = "../../tests/integration/common/spec.rs"]
mod spec;
use spec::{key, system_root, utf16z, value};

/// The smallest key cell (see `hive::reader`): a walk never needs more visits than this allows
/// distinct keys, so more visits means a cycle or keys reachable twice.
const MIN_KEY_CELL: usize = 80;
/// Deeper than any real hive (Windows allows 512 levels).
const MAX_DEPTH: usize = 600;

/// What every reading command does to an image: walk every key below the root through
/// [`HiveReader`] (names and values), then read the Winsock catalogs of the selected control set
/// (and of every other one with `all_control_sets`). Errors are fine; the fuzzers look for
/// panics, hangs and runaway memory.
pub fn walk_image(image: &HiveImage, all_control_sets: bool) {
    let Ok(hive) = image.nt_hive() else {
        return;
    };
    let reader = HiveReader::new(&hive, image.hive_bytes());
    let _ = walk_reader(&reader, image.hive_bytes().len());
    let _ = read_system_catalogs(&reader, None, all_control_sets);
}

/// Walk every key below the root. Stops at the first error (returned) and after as many keys as
/// the hive could hold.
fn walk_reader(reader: &HiveReader<'_>, hive_len: usize) -> Result<usize, FormatError> {
    walk_bounded(reader.root()?, hive_len, |key| {
        reader.name(key)?;
        reader.values(key)?;
        Ok(reader
            .subkeys(key)?
            .into_iter()
            .map(|(_, subkey)| subkey)
            .collect())
    })
}

/// Visit every key from `root` depth first: `read_key` reads one and gives its subkeys. Stops
/// at the first error (returned) and, a cycle, after more keys than `hive_len` bytes can hold
/// or deeper than any real hive.
fn walk_bounded<K>(
    root: K,
    hive_len: usize,
    mut read_key: impl FnMut(&K) -> Result<Vec<K>, FormatError>,
) -> Result<usize, FormatError> {
    let mut stack = vec![(root, 0usize)];
    let mut visited = 0usize;
    while let Some((key, depth)) = stack.pop() {
        visited += 1;
        if visited > hive_len / MIN_KEY_CELL + 1 || depth > MAX_DEPTH {
            return Err(FormatError::new(
                "more keys than the hive can hold: a cycle",
            ));
        }
        stack.extend(
            read_key(&key)?
                .into_iter()
                .map(|subkey| (subkey, depth + 1)),
        );
    }
    Ok(visited)
}

/// Walk every key and value of `hive` with nt-hive alone, reading all names and data, as a
/// strict reader would. Any error (or nt-hive assertion) is returned.
pub fn walk_nt_hive(hive: &Hive<&[u8]>, hive_len: usize) -> Result<usize, String> {
    guarded(String::new, || walk_nt_hive_unguarded(hive, hive_len)).map_err(|e| e.to_string())
}

fn walk_nt_hive_unguarded(hive: &Hive<&[u8]>, hive_len: usize) -> Result<usize, FormatError> {
    walk_bounded(hive.root_key_node()?, hive_len, |key| {
        key.name()?;
        if let Some(values) = key.values() {
            for value in values? {
                let value = value?;
                value.name()?;
                match value.data_type() {
                    Ok(_) | Err(NtHiveError::UnsupportedKeyValueDataType { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
                let size = value.data_size() as usize;
                if size > hive_len {
                    return Err(FormatError::new("a value claims more data than the hive"));
                }
                // nt-hive 0.3.0 reads data over 16344 bytes as big data whatever the version,
                // but 1.3 hives keep such data in one cell (regf-spec; the editor does so).
                if hive.minor_version() > 3 || size <= SEGMENT_SIZE {
                    value.data()?.into_vec()?;
                }
            }
        }
        match key.subkeys() {
            Some(subkeys) => Ok(subkeys?.collect::<Result<_, _>>()?),
            None => Ok(Vec::new()),
        }
    })
}

/// A small SYSTEM hive with `Select` and one control set holding both Winsock catalogs.
fn small_system(minor_version: u32, entries: usize) -> Vec<u8> {
    let mut item = vec![0u8; PACKED_ITEM_LEN];
    let path = b"%SystemRoot%\\system32\\mswsock.dll";
    item[..path.len()].copy_from_slice(path);
    item[0x12C] = 1; // ChainLen: a base provider
    let protocol_entries = (1..=entries)
        .map(|n| {
            key(
                &format!("{n:012}"),
                vec![value("PackedCatalogItem", REG_BINARY, item.clone())],
                vec![],
            )
        })
        .collect();
    let namespace_entries = (1..=entries)
        .map(|n| {
            key(
                &format!("{n:012}"),
                vec![
                    value(
                        "LibraryPath",
                        REG_SZ,
                        utf16z("%SystemRoot%\\system32\\NLAapi.dll"),
                    ),
                    value("ProviderId", REG_BINARY, vec![n as u8; 16]),
                    value(
                        "SupportedNameSpace",
                        REG_DWORD,
                        15u32.to_le_bytes().to_vec(),
                    ),
                    value("Enabled", REG_DWORD, 1u32.to_le_bytes().to_vec()),
                ],
                vec![],
            )
        })
        .collect();
    let count = (entries as u32).to_le_bytes().to_vec();
    let winsock = key(
        "Parameters",
        vec![
            value(
                "Current_Protocol_Catalog",
                REG_SZ,
                utf16z("Protocol_Catalog9"),
            ),
            value(
                "Current_NameSpace_Catalog",
                REG_SZ,
                utf16z("NameSpace_Catalog5"),
            ),
        ],
        vec![
            key(
                "Protocol_Catalog9",
                vec![value("Num_Catalog_Entries", REG_DWORD, count.clone())],
                vec![key("Catalog_Entries", vec![], protocol_entries)],
            ),
            key(
                "NameSpace_Catalog5",
                vec![value("Num_Catalog_Entries", REG_DWORD, count)],
                vec![key("Catalog_Entries", vec![], namespace_entries)],
            ),
        ],
    );
    let dword = |n: u32| n.to_le_bytes().to_vec();
    let select = vec![
        value("Current", REG_DWORD, dword(1)),
        value("Default", REG_DWORD, dword(1)),
    ];
    let root = system_root(select, winsock);
    build_hive(minor_version, &root, 0x01d0_0000_0000_0000).expect("the builder builds")
}

/// Hives made by the project's builder: every format version, with few and with many catalog
/// entries (more than a leaf holds, so the lists become index roots).
pub fn built_hives() -> &'static [Vec<u8>] {
    static HIVES: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    HIVES.get_or_init(|| {
        [(3, 2), (4, 2), (5, 2), (6, 2), (3, 520), (5, 520)]
            .into_iter()
            .map(|(minor, entries)| small_system(minor, entries))
            .collect()
    })
}

/// The length of the primary at the start of a replay input.
const PRIMARY_LEN_FIELD: usize = 4;

/// A replay input: a little-endian u32 primary length, the primary, then the logs, each log
/// starting with `regf` at a 512-byte boundary of what follows the primary.
pub fn split_replay_input(data: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let Some((len, rest)) = data.split_first_chunk::<PRIMARY_LEN_FIELD>() else {
        return (data, Vec::new());
    };
    let len = (u32::from_le_bytes(*len) as usize).min(rest.len());
    let (primary, logs) = rest.split_at(len);
    let mut starts: Vec<usize> = (0..logs.len())
        .step_by(512)
        .filter(|&at| logs[at..].starts_with(b"regf"))
        .collect();
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let mut out = Vec::new();
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(logs.len());
        if end > start {
            out.push(&logs[start..end]);
        }
    }
    (primary, out)
}

/// The replay input for `primary` and `logs` (the inverse of [`split_replay_input`]).
pub fn join_replay_input(primary: &[u8], logs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = (primary.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(primary);
    for log in logs {
        out.extend_from_slice(log);
        // Pad so the next log starts on a 512-byte boundary.
        let used = out.len() - PRIMARY_LEN_FIELD - primary.len();
        out.resize(out.len() + (512 - used % 512) % 512, 0);
    }
    out
}

/// Read a container's virtual disk the way the tool does: its partitions, then pieces at the
/// start, middle and end and of each partition; every error is fine, a panic or a hang is not.
pub fn read_disk(disk: std::io::Result<Box<dyn winsock_doctor::image::disk::Disk>>) {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut disk) = disk else { return };
    let Ok(size) = disk.seek(SeekFrom::End(0)) else {
        return;
    };
    let partitions = winsock_doctor::image::partitions::partitions(&mut disk).unwrap_or_default();
    let mut offsets = vec![0, size / 2, size.saturating_sub(4096)];
    offsets.extend(partitions.iter().map(|p| p.start));
    let mut buffer = vec![0; 64 * 1024];
    for offset in offsets {
        if disk.seek(SeekFrom::Start(offset)).is_ok() {
            let _ = disk.read(&mut buffer);
        }
    }
}

/// A fuzz target for the reader of one container format (a variant of
/// `winsock_doctor::image::sniff::Container`): open any bytes as such a container and read its
/// virtual disk with [`read_disk`].
#[macro_export]
macro_rules! fuzz_container {
    ($container:ident) => {
        libfuzzer_sys::fuzz_target!(
            init: {
                winsock_doctor::hive::panic_guard::quiet_contained_panics();
            },
            |data: &[u8]| {
            let file = std::io::Cursor::new(data.to_vec());
            $crate::read_disk(winsock_doctor::image::open::open_container(
                winsock_doctor::image::sniff::Container::$container,
                file,
            ));
        });
    };
}
