//! VMDK monolithic sparse (VMware, qemu-img): a header, a grain directory of grain-table sector
//! numbers, grain tables of grain sector numbers; an entry of 0 (or 1, a zeroed grain) reads as
//! zeros. Fields are little-endian. Hand-written: no maintained crate reads VMDK. Compressed
//! (stream-optimized) disks are refused: convert them first.

use std::io;

use crate::image::disk::{Disk, invalid, read_at};
use crate::image::mapped::{BlockMap, Located, Mapped, field, read_entry};

const SECTOR: u64 = 512;
/// Grains above this are not made by any tool (the default is 64 KiB).
const MAX_GRAIN_SECTORS: u64 = 2 * 1024 * 1024;
const MAX_TABLE_ENTRIES: u32 = 1 << 20;

/// The virtual disk of the sparse VMDK in `file`.
pub fn open<F: Disk + 'static>(mut file: F) -> io::Result<Box<dyn Disk>> {
    let mut header = [0; 512];
    read_at(&mut file, 0, &mut header)?;
    if !header.starts_with(b"KDMV") {
        return Err(invalid(0, "expected the VMDK sparse header \"KDMV\""));
    }
    let capacity = u64::from_le_bytes(field(&header, 12));
    let grain_sectors = u64::from_le_bytes(field(&header, 20));
    let table_entries = u32::from_le_bytes(field(&header, 44));
    let directory = u64::from_le_bytes(field(&header, 56));
    let compression = u16::from_le_bytes([header[77], header[78]]);
    if compression != 0 || u32::from_le_bytes(field(&header, 8)) & 0x1_0000 != 0 {
        return Err(invalid(
            77,
            "a compressed (stream-optimized) VMDK: convert it first (qemu-img convert -O vmdk)",
        ));
    }
    if !grain_sectors.is_power_of_two() || !(8..=MAX_GRAIN_SECTORS).contains(&grain_sectors) {
        return Err(invalid(
            20,
            format!(
                "grain of {grain_sectors} sectors: expected a power of two from 8 to {MAX_GRAIN_SECTORS}"
            ),
        ));
    }
    if table_entries == 0 || table_entries > MAX_TABLE_ENTRIES {
        return Err(invalid(
            44,
            format!("{table_entries} entries per grain table: expected 1 to {MAX_TABLE_ENTRIES}"),
        ));
    }
    let size = capacity
        .checked_mul(SECTOR)
        .ok_or_else(|| invalid(12, format!("a capacity of {capacity} sectors")))?;
    let directory = directory
        .checked_mul(SECTOR)
        .ok_or_else(|| invalid(56, "the grain directory lies beyond any file"))?;
    let grain = grain_sectors * SECTOR;
    let directory_entries = size.div_ceil(grain).div_ceil(u64::from(table_entries));
    let map = SparseMap {
        size,
        grain,
        table_entries: u64::from(table_entries),
        directory,
        directory_entries,
    };
    Ok(Box::new(Mapped::new(file, map)?))
}

struct SparseMap {
    size: u64,
    grain: u64,
    table_entries: u64,
    directory: u64,
    directory_entries: u64,
}

impl BlockMap for SparseMap {
    fn size(&self) -> u64 {
        self.size
    }

    fn locate(&mut self, file: &mut dyn Disk, offset: u64) -> io::Result<Located> {
        let grain = offset / self.grain;
        let within = offset % self.grain;
        let run = self.grain - within;
        let table = grain / self.table_entries;
        if table >= self.directory_entries {
            return Err(invalid(offset, "beyond the VMDK grain directory"));
        }
        let directory_entry = self.directory.saturating_add(table * 4);
        let table_sector = u32::from_le_bytes(read_entry(file, directory_entry)?);
        if table_sector == 0 {
            return Ok(Located {
                file_offset: None,
                run,
            });
        }
        let table_entry =
            (u64::from(table_sector) * SECTOR).saturating_add(grain % self.table_entries * 4);
        match u32::from_le_bytes(read_entry(file, table_entry)?) {
            0 | 1 => Ok(Located {
                file_offset: None,
                run,
            }),
            sector => Ok(Located {
                file_offset: Some(u64::from(sector) * SECTOR + within),
                run,
            }),
        }
    }
}
