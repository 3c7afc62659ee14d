//! VHD (Virtual PC, Hyper-V): a fixed disk is its data followed by a 512-byte footer; a dynamic
//! disk maps blocks through a table (the BAT) of sector numbers, each block a sector bitmap and
//! then its data. Fields are big-endian. Hand-written: no maintained crate reads VHD, and the
//! format is a footer, a header and one table.

use std::io::{self, SeekFrom};

use crate::image::disk::{Disk, invalid, read_at};
use crate::image::mapped::{BlockMap, Located, Mapped, field, read_entry};
use crate::image::window::Window;

const FOOTER: u64 = 512;
const SECTOR: u64 = 512;
/// Block sizes above this are not made by any tool and would make one lookup cover gigabytes.
const MAX_BLOCK: u32 = 256 * 1024 * 1024;

/// The virtual disk of the VHD in `file`.
pub fn open<F: Disk + 'static>(mut file: F) -> io::Result<Box<dyn Disk>> {
    let len = file.seek(SeekFrom::End(0))?;
    let footer_at = len
        .checked_sub(FOOTER)
        .ok_or_else(|| invalid(0, "a VHD is at least its 512-byte footer"))?;
    let mut footer = [0; FOOTER as usize];
    read_at(&mut file, footer_at, &mut footer)?;
    if !footer.starts_with(b"conectix") {
        // A dynamic disk keeps a copy of its footer at the start.
        read_at(&mut file, 0, &mut footer)?;
    }
    if !footer.starts_with(b"conectix") {
        return Err(invalid(footer_at, "expected the VHD footer \"conectix\""));
    }
    let size = u64::from_be_bytes(field(&footer, 48));
    match u32::from_be_bytes(field(&footer, 60)) {
        2 => {
            if size > footer_at {
                return Err(invalid(
                    footer_at,
                    format!(
                        "the fixed VHD says its disk is {size} bytes, but only {footer_at} precede the footer"
                    ),
                ));
            }
            Ok(Box::new(Window::new(file, 0, size)?))
        }
        3 => {
            let map = DynamicMap::read(&mut file, u64::from_be_bytes(field(&footer, 16)), size)?;
            Ok(Box::new(Mapped::new(file, map)?))
        }
        4 => Err(invalid(
            footer_at + 60,
            "a differencing VHD needs its parent disk; give the merged disk (qemu-img convert)",
        )),
        other => Err(invalid(
            footer_at + 60,
            format!("unknown VHD disk type {other}"),
        )),
    }
}

/// The block table of a dynamic VHD.
struct DynamicMap {
    size: u64,
    table_offset: u64,
    entries: u32,
    block_size: u32,
    /// The sector bitmap before each block's data.
    bitmap_bytes: u64,
}

impl DynamicMap {
    fn read(file: &mut dyn Disk, header_at: u64, size: u64) -> io::Result<Self> {
        let mut header = [0; 1024];
        read_at(file, header_at, &mut header).map_err(|e| {
            invalid(
                header_at,
                format!("the dynamic disk header cannot be read: {e}"),
            )
        })?;
        if !header.starts_with(b"cxsparse") {
            return Err(invalid(
                header_at,
                "expected the dynamic disk header \"cxsparse\"",
            ));
        }
        let block_size = u32::from_be_bytes(field(&header, 32));
        if block_size < 512 || !block_size.is_power_of_two() || block_size > MAX_BLOCK {
            return Err(invalid(
                header_at + 32,
                format!("block size {block_size}: expected a power of two from 512 to {MAX_BLOCK}"),
            ));
        }
        let entries = u32::from_be_bytes(field(&header, 28));
        let needed = size.div_ceil(u64::from(block_size));
        if u64::from(entries) < needed {
            return Err(invalid(
                header_at + 28,
                format!(
                    "{entries} table entries cannot map a disk of {size} bytes in blocks of {block_size}"
                ),
            ));
        }
        let sectors = u64::from(block_size) / SECTOR;
        Ok(Self {
            size,
            table_offset: u64::from_be_bytes(field(&header, 16)),
            entries,
            block_size,
            bitmap_bytes: sectors.div_ceil(8).next_multiple_of(SECTOR),
        })
    }
}

impl BlockMap for DynamicMap {
    fn size(&self) -> u64 {
        self.size
    }

    fn locate(&mut self, file: &mut dyn Disk, offset: u64) -> io::Result<Located> {
        let block_size = u64::from(self.block_size);
        let block = offset / block_size;
        let within = offset % block_size;
        let run = block_size - within;
        if block >= u64::from(self.entries) {
            return Err(invalid(offset, "beyond the VHD block table"));
        }
        let entry_at = block
            .checked_mul(4)
            .and_then(|b| b.checked_add(self.table_offset))
            .ok_or_else(|| {
                invalid(
                    self.table_offset,
                    "the VHD block table lies beyond any file",
                )
            })?;
        let sector = u32::from_be_bytes(read_entry(file, entry_at)?);
        if sector == u32::MAX {
            return Ok(Located {
                file_offset: None,
                run,
            });
        }
        let file_offset = (u64::from(sector) * SECTOR)
            .checked_add(self.bitmap_bytes + within)
            .ok_or_else(|| invalid(entry_at, "a VHD block beyond any file"))?;
        Ok(Located {
            file_offset: Some(file_offset),
            run,
        })
    }
}
