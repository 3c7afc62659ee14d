//! The volumes of a virtual disk: the disk itself when it holds one volume (a `dd` of a
//! partition), else the partitions of its MBR (with logical partitions in an extended one,
//! through `mbrman`) or of its GPT (parsed here: the crates that read GPT want a writable
//! device). Partitions are numbered as Linux does: MBR primaries 1-4, logical ones from 5, GPT
//! entries from 1; 0 is a disk that is one volume.

use std::io::{self, BufReader};

use serde::Serialize;

use crate::hive::panic_guard::contained;
use crate::image::disk::{Disk, disk_size, invalid, read_at};

const SECTOR: u64 = 512;
/// A GPT's sector size is not written anywhere: its header is in sector 1, at byte 512 on a
/// disk of 512-byte sectors and at byte 4096 on one of 4096-byte sectors (4Kn).
const GPT_SECTOR_SIZES: [u64; 2] = [512, 4096];
/// GPT entries: 128 is what every tool writes; the bound keeps a hostile count cheap.
const MAX_GPT_ENTRIES: u32 = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partition {
    pub number: u32,
    /// "MBR", "GPT", or "none" for a disk that is one volume.
    pub scheme: &'static str,
    /// The MBR type byte or GPT type, in words where known.
    pub kind: String,
    pub start: u64,
    pub length: u64,
}

/// The volumes on `disk`.
pub fn partitions(disk: &mut dyn Disk) -> io::Result<Vec<Partition>> {
    let size = disk_size(disk)?;
    let mut boot = [0; 512];
    read_at(disk, 0, &mut boot)
        .map_err(|e| invalid(0, format!("the first sector cannot be read: {e}")))?;
    if file_system(&boot).is_some() {
        return Ok(vec![Partition {
            number: 0,
            scheme: "none",
            kind: "whole disk".into(),
            start: 0,
            length: size,
        }]);
    }
    if boot[510..512] != [0x55, 0xAA] {
        return Err(invalid(
            510,
            "neither a partition table (0x55AA) nor a known file system",
        ));
    }
    // mbrman panics on some damaged tables (an unwrap in its alignment guess): contained.
    // mbrman reads field by field: buffered, a container whose every read costs a table lookup
    // or a chunk copy is read once per sector, not once per byte.
    let mut buffered = BufReader::with_capacity(SECTOR as usize, &mut *disk);
    let mbr = contained(|| mbrman::MBR::read_from(&mut buffered, SECTOR as u32))
        .map_err(|panic| invalid(0, format!("MBR: damaged partition table ({panic})")))?
        .map_err(|e| invalid(0, format!("MBR: {e}")))?;
    if mbr.iter().any(|(_, p)| p.sys == 0xEE) {
        return gpt(disk);
    }
    let mut found = Vec::new();
    for (number, entry) in mbr.iter() {
        if !entry.is_used() || matches!(entry.sys, 0x05 | 0x0F | 0x85) {
            continue;
        }
        found.push(Partition {
            number: u32::try_from(number).unwrap_or(u32::MAX),
            scheme: "MBR",
            kind: format!("type {:#04x}", entry.sys),
            start: u64::from(entry.starting_lba) * SECTOR,
            length: u64::from(entry.sectors) * SECTOR,
        });
    }
    Ok(found)
}

/// The partitions of the GPT whose header is in sector 1.
fn gpt(disk: &mut dyn Disk) -> io::Result<Vec<Partition>> {
    let mut header = [0; 512];
    let mut found_at = None;
    for size in GPT_SECTOR_SIZES {
        if read_at(disk, size, &mut header).is_ok() && header.starts_with(b"EFI PART") {
            found_at = Some(size);
            break;
        }
    }
    let Some(sector) = found_at else {
        return Err(invalid(
            SECTOR,
            "a protective MBR, but no GPT header \"EFI PART\" in sector 1 (of 512 or 4096 \
             bytes)",
        ));
    };
    let field = |at: usize, n: usize| {
        header[at..at + n]
            .iter()
            .rev()
            .fold(0u64, |v, b| v << 8 | u64::from(*b))
    };
    let table = field(72, 8);
    let count = field(80, 4) as u32;
    let entry_size = field(84, 4) as u32;
    if count > MAX_GPT_ENTRIES || !(128..=4096).contains(&entry_size) || entry_size % 8 != 0 {
        return Err(invalid(
            sector + 80,
            format!(
                "{count} GPT entries of {entry_size} bytes: expected at most {MAX_GPT_ENTRIES} of 128 to 4096"
            ),
        ));
    }
    let at = table
        .checked_mul(sector)
        .ok_or_else(|| invalid(sector + 72, "the GPT entries lie beyond any disk"))?;
    let mut entries = vec![0; count as usize * entry_size as usize];
    read_at(disk, at, &mut entries)
        .map_err(|e| invalid(at, format!("the GPT entries cannot be read: {e}")))?;
    let mut found = Vec::new();
    for (index, entry) in entries.chunks_exact(entry_size as usize).enumerate() {
        if entry[..16] == [0; 16] {
            continue;
        }
        let le = |at: usize| u64::from_le_bytes(entry[at..at + 8].try_into().unwrap_or_default());
        let (first, last) = (le(32), le(40));
        let sectors = last
            .checked_add(1)
            .and_then(|end| end.checked_sub(first))
            .filter(|&s| s > 0);
        let (Some(sectors), Some(start)) = (sectors, first.checked_mul(sector)) else {
            return Err(invalid(
                at + (index * entry_size as usize) as u64 + 32,
                format!("GPT entry {}: sectors {first} to {last}", index + 1),
            ));
        };
        found.push(Partition {
            number: index as u32 + 1,
            scheme: "GPT",
            kind: gpt_type(&entry[..16]),
            start,
            length: sectors.saturating_mul(sector),
        });
    }
    Ok(found)
}

fn gpt_type(guid: &[u8]) -> String {
    let text = format!(
        "{:02X}{:02X}{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}-{:02X}{:02X}{:02X}{:02X}{:02X}{:02X}",
        guid[3],
        guid[2],
        guid[1],
        guid[0],
        guid[5],
        guid[4],
        guid[7],
        guid[6],
        guid[8],
        guid[9],
        guid[10],
        guid[11],
        guid[12],
        guid[13],
        guid[14],
        guid[15]
    );
    let name = match text.as_str() {
        "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7" => "Microsoft basic data",
        "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" => "EFI system",
        "E3C9E316-0B5C-4DB8-817D-F92DF00215AE" => "Microsoft reserved",
        "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC" => "Windows recovery",
        _ => return text,
    };
    name.to_string()
}

/// The file system whose boot sector is `boot`, when known.
pub fn file_system(boot: &[u8]) -> Option<&'static str> {
    if boot.get(3..11) == Some(b"NTFS    ") {
        Some("NTFS")
    } else if boot.get(3..11) == Some(b"EXFAT   ") {
        Some("exFAT")
    } else if boot.get(82..87) == Some(b"FAT32") || boot.get(54..57) == Some(b"FAT") {
        Some("FAT")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A partition entry at `at` of a sector: type, first sector, sector count.
    fn entry(sector: &mut [u8], at: usize, kind: u8, start: u32, sectors: u32) {
        let entry = 446 + at * 16;
        sector[entry + 4] = kind;
        sector[entry + 8..entry + 12].copy_from_slice(&start.to_le_bytes());
        sector[entry + 12..entry + 16].copy_from_slice(&sectors.to_le_bytes());
        sector[510] = 0x55;
        sector[511] = 0xAA;
    }

    /// A disk of 4096 sectors: a primary NTFS partition and an extended one at 1000 whose
    /// EBRs are at the relative sectors `chain` (each pointing at the next, the last at 0).
    fn disk(chain: &[u32]) -> Vec<u8> {
        let mut disk = vec![0; 4096 * 512];
        entry(&mut disk[..512], 0, 0x07, 64, 500);
        entry(&mut disk[..512], 1, 0x05, 1000, 3000);
        for (i, &relative) in chain.iter().enumerate() {
            let at = (1000 + relative) as usize * 512;
            let ebr = &mut disk[at..at + 512];
            entry(ebr, 0, 0x07, 1, 100);
            let next = chain.get(i + 1).copied().unwrap_or(0);
            if next != 0 {
                entry(ebr, 1, 0x05, next, 200);
            }
        }
        disk
    }

    #[test]
    fn primary_and_logical_partitions_are_numbered_as_linux_does() {
        let found = partitions(&mut Cursor::new(disk(&[0, 500]))).unwrap();
        let numbers: Vec<(u32, u64)> = found.iter().map(|p| (p.number, p.start / 512)).collect();
        assert_eq!(numbers, [(1, 64), (5, 1001), (6, 1501)]);
        assert!(
            found
                .iter()
                .all(|p| p.scheme == "MBR" && p.kind == "type 0x07")
        );
    }

    #[test]
    fn an_ebr_chain_that_loops_is_an_error() {
        let error = partitions(&mut Cursor::new(disk(&[0, 500, 500]))).unwrap_err();
        assert!(error.to_string().contains("MBR"), "{error}");
    }

    /// A GPT disk of `sectors` sectors of `size` bytes with one entry, sectors 34 to 99.
    fn gpt_disk(size: usize, sectors: usize) -> Vec<u8> {
        let mut disk = vec![0; sectors * size];
        entry(&mut disk[..512], 0, 0xEE, 1, (sectors - 1) as u32);
        let header = &mut disk[size..size + 512];
        header[..8].copy_from_slice(b"EFI PART");
        header[72..80].copy_from_slice(&2u64.to_le_bytes());
        header[80..84].copy_from_slice(&4u32.to_le_bytes());
        header[84..88].copy_from_slice(&128u32.to_le_bytes());
        let first = &mut disk[2 * size..2 * size + 128];
        first[..16].copy_from_slice(&[0xA2; 16]);
        first[32..40].copy_from_slice(&34u64.to_le_bytes());
        first[40..48].copy_from_slice(&99u64.to_le_bytes());
        disk
    }

    #[test]
    fn a_gpt_of_512_or_4096_byte_sectors_gives_its_partition_in_bytes() {
        for size in [512, 4096] {
            let found = partitions(&mut Cursor::new(gpt_disk(size, 128))).unwrap();
            let placed: Vec<(u32, u64, u64)> = found
                .iter()
                .map(|p| (p.number, p.start, p.length))
                .collect();
            assert_eq!(placed, [(1, 34 * size as u64, 66 * size as u64)], "{size}");
        }
    }

    #[test]
    fn a_gpt_with_a_hostile_entry_count_is_refused_without_allocating() {
        let mut disk = vec![0; 64 * 512];
        entry(&mut disk[..512], 0, 0xEE, 1, 63);
        let header = &mut disk[512..1024];
        header[..8].copy_from_slice(b"EFI PART");
        header[72..80].copy_from_slice(&2u64.to_le_bytes());
        header[80..84].copy_from_slice(&u32::MAX.to_le_bytes());
        header[84..88].copy_from_slice(&128u32.to_le_bytes());
        let error = partitions(&mut Cursor::new(disk)).unwrap_err();
        assert!(error.to_string().contains("GPT entries"), "{error}");
    }
}
