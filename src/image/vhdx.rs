//! VHDX (Hyper-V): two headers, a region table locating the block table (BAT) and the
//! metadata (block size, disk size, sector size); payload blocks are interleaved in the BAT with
//! sector-bitmap entries (one per chunk). Fields are little-endian. Hand-written: no maintained
//! crate reads VHDX; only what a reader needs is parsed (a pending log is refused, not replayed).

use std::io;

use crate::image::disk::{Disk, invalid, read_at};
use crate::image::mapped::{BlockMap, Located, Mapped, field, read_entry};
use crate::winsock::guid::Guid;

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const HEADERS: [u64; 2] = [64 * KIB, 128 * KIB];
const REGION_TABLE: u64 = 192 * KIB;

/// The region and metadata GUIDs of the VHDX spec, as stored on disk.
const BAT_REGION: [u8; 16] = Guid::from_text("{2DC27766-F623-4200-9D64-115E9BFD4A08}").0;
const METADATA_REGION: [u8; 16] = Guid::from_text("{8B7CA206-4790-4B9A-B8FE-575F050F886E}").0;
const FILE_PARAMETERS: [u8; 16] = Guid::from_text("{CAA16737-FA36-4D43-B3B6-33F0AA44E76B}").0;
const DISK_SIZE: [u8; 16] = Guid::from_text("{2FA54224-CD1B-4876-B211-5DBED83BF4B8}").0;
const LOGICAL_SECTOR: [u8; 16] = Guid::from_text("{8141BF1D-A96F-4709-BA47-F233A8FAAB5F}").0;

/// The virtual disk of the VHDX in `file`.
pub fn open<F: Disk + 'static>(mut file: F) -> io::Result<Box<dyn Disk>> {
    check_log(&mut file)?;
    let mut table = [0; 64 * KIB as usize];
    read_at(&mut file, REGION_TABLE, &mut table)?;
    if !table.starts_with(b"regi") {
        return Err(invalid(
            REGION_TABLE,
            "expected the VHDX region table \"regi\"",
        ));
    }
    let count = u32::from_le_bytes(field(&table, 8));
    if count > 2047 {
        return Err(invalid(
            REGION_TABLE + 8,
            format!("{count} regions: at most 2047 fit"),
        ));
    }
    let (mut bat, mut metadata) = (None, None);
    for index in 0..count as usize {
        let entry = &table[16 + index * 32..16 + (index + 1) * 32];
        let region = (
            u64::from_le_bytes(field(entry, 16)),
            u32::from_le_bytes(field(entry, 24)),
        );
        if entry[..16] == BAT_REGION {
            bat = Some(region);
        } else if entry[..16] == METADATA_REGION {
            metadata = Some(region);
        }
    }
    let (Some((bat_offset, bat_len)), Some((metadata_offset, metadata_len))) = (bat, metadata)
    else {
        return Err(invalid(
            REGION_TABLE,
            "the VHDX region table lacks the BAT or the metadata region",
        ));
    };
    let parameters = Parameters::read(&mut file, metadata_offset, metadata_len)?;
    let map = VhdxMap::new(parameters, bat_offset, bat_len)?;
    Ok(Box::new(Mapped::new(file, map)?))
}

/// Refuse a VHDX whose current header names a log: its last writes are in the log, and
/// reading without replaying it would show an older disk.
fn check_log(file: &mut dyn Disk) -> io::Result<()> {
    let mut current: Option<(u64, [u8; 16], u64)> = None;
    for at in HEADERS {
        let mut header = [0; 80];
        read_at(file, at, &mut header)?;
        if !header.starts_with(b"head") {
            continue;
        }
        let sequence = u64::from_le_bytes(field(&header, 8));
        let mut log_guid = [0; 16];
        log_guid.copy_from_slice(&header[48..64]);
        if current.is_none_or(|(s, _, _)| sequence > s) {
            current = Some((sequence, log_guid, at));
        }
    }
    match current {
        None => Err(invalid(
            HEADERS[0],
            "expected a VHDX header \"head\" here or at 0x20000",
        )),
        Some((_, log_guid, at)) if log_guid != [0; 16] => Err(invalid(
            at + 48,
            "the VHDX has a log to replay (it was not closed cleanly): open it once in Hyper-V, \
             or convert a copy with qemu-img, then read that",
        )),
        Some(_) => Ok(()),
    }
}

struct Parameters {
    block_size: u32,
    disk_size: u64,
    logical_sector: u32,
}

impl Parameters {
    fn read(file: &mut dyn Disk, at: u64, len: u32) -> io::Result<Self> {
        if !(64 * KIB as u32..=MIB as u32).contains(&len) {
            return Err(invalid(
                at,
                format!("a metadata region of {len} bytes: expected 64 KiB to 1 MiB"),
            ));
        }
        let mut region = vec![0; len as usize];
        read_at(file, at, &mut region)?;
        if !region.starts_with(b"metadata") {
            return Err(invalid(at, "expected the VHDX metadata table \"metadata\""));
        }
        let count = usize::from(u16::from_le_bytes(field(&region, 10))).min(2047);
        let item = |id: &[u8; 16], size: usize| -> io::Result<Vec<u8>> {
            for index in 0..count {
                let entry = region
                    .get(32 + index * 32..64 + index * 32)
                    .unwrap_or_default();
                if entry.get(..16) != Some(&id[..]) {
                    continue;
                }
                let offset = u32::from_le_bytes(field(entry, 16)) as usize;
                return region
                    .get(offset..offset.saturating_add(size))
                    .map(<[u8]>::to_vec)
                    .ok_or_else(|| invalid(at + offset as u64, "a metadata item past its region"));
            }
            Err(invalid(at, "a required VHDX metadata item is missing"))
        };
        let parameters = item(&FILE_PARAMETERS, 8)?;
        if u32::from_le_bytes(field(&parameters, 4)) & 2 != 0 {
            return Err(invalid(
                at,
                "a differencing VHDX needs its parent disk; give the merged disk",
            ));
        }
        let block_size = u32::from_le_bytes(field(&parameters, 0));
        let disk_size = u64::from_le_bytes(field(&item(&DISK_SIZE, 8)?, 0));
        let logical_sector = u32::from_le_bytes(field(&item(&LOGICAL_SECTOR, 4)?, 0));
        if !(MIB as u32..=256 * MIB as u32).contains(&block_size) || !block_size.is_power_of_two() {
            return Err(invalid(
                at,
                format!("block size {block_size}: expected a power of two from 1 to 256 MiB"),
            ));
        }
        if logical_sector != 512 && logical_sector != 4096 {
            return Err(invalid(
                at,
                format!("logical sector size {logical_sector}: expected 512 or 4096"),
            ));
        }
        Ok(Self {
            block_size,
            disk_size,
            logical_sector,
        })
    }
}

struct VhdxMap {
    parameters: Parameters,
    bat_offset: u64,
    bat_entries: u64,
    /// Payload blocks per sector-bitmap block.
    chunk_ratio: u64,
}

impl VhdxMap {
    fn new(parameters: Parameters, bat_offset: u64, bat_len: u32) -> io::Result<Self> {
        let chunk_ratio =
            (1u64 << 23) * u64::from(parameters.logical_sector) / u64::from(parameters.block_size);
        Ok(Self {
            parameters,
            bat_offset,
            bat_entries: u64::from(bat_len) / 8,
            chunk_ratio: chunk_ratio.max(1),
        })
    }
}

impl BlockMap for VhdxMap {
    fn size(&self) -> u64 {
        self.parameters.disk_size
    }

    fn locate(&mut self, file: &mut dyn Disk, offset: u64) -> io::Result<Located> {
        let block_size = u64::from(self.parameters.block_size);
        let block = offset / block_size;
        let within = offset % block_size;
        let run = block_size - within;
        let index = block + block / self.chunk_ratio;
        if index >= self.bat_entries {
            return Err(invalid(offset, "beyond the VHDX block table"));
        }
        let entry_at = self.bat_offset.saturating_add(index * 8);
        let entry = u64::from_le_bytes(read_entry(file, entry_at)?);
        match entry & 7 {
            // Not present, undefined, zero, unmapped: reads as zeros.
            0..=3 => Ok(Located {
                file_offset: None,
                run,
            }),
            6 => Ok(Located {
                file_offset: Some((entry >> 20).saturating_mul(MIB).saturating_add(within)),
                run,
            }),
            state => Err(invalid(
                entry_at,
                format!("block state {state}: expected 0 to 3 or 6 (fully present)"),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_stored_with_the_first_three_fields_little_endian() {
        assert_eq!(
            BAT_REGION,
            [
                0x66, 0x77, 0xC2, 0x2D, 0x23, 0xF6, 0x00, 0x42, 0x9D, 0x64, 0x11, 0x5E, 0x9B, 0xFD,
                0x4A, 0x08
            ]
        );
    }
}
