//! A VMDK descriptor (monolithic flat, or split flat): a text file naming the extent files
//! that hold the disk, one after the other. Only FLAT and ZERO extents are read; each extent
//! file must sit in the descriptor's own folder (a name with a path is refused, so a
//! descriptor cannot make the tool read elsewhere).

use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use crate::hive::read_file::open_regular;
use crate::image::disk::{Disk, invalid};
use crate::image::window::{Window, seek_position};

const SECTOR: u64 = 512;
/// A descriptor is a few hundred bytes; this bounds what is read of a hostile one.
pub const MAX_DESCRIPTOR: u64 = 64 * 1024;
const MAX_EXTENTS: usize = 4096;

/// One line `RW 20480 FLAT "disk-flat.vmdk" 0` of a descriptor.
#[derive(Debug, PartialEq, Eq)]
pub enum Extent {
    Flat {
        sectors: u64,
        file: String,
        offset: u64,
    },
    Zero {
        sectors: u64,
    },
}

/// The extents the descriptor `text` lists, in order.
pub fn parse_descriptor(text: &str) -> io::Result<Vec<Extent>> {
    let mut extents = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        let Some(rest) = ["RW ", "RDONLY ", "NOACCESS "]
            .iter()
            .find_map(|a| line.strip_prefix(a))
        else {
            continue;
        };
        let bad = |why: &str| invalid(0, format!("descriptor line {}: {why}: {line}", number + 1));
        let mut words = rest.splitn(3, ' ');
        let sectors: u64 = words
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("expected a size in sectors"))?;
        let kind = words.next().unwrap_or_default();
        let rest = words.next().unwrap_or_default();
        let extent = match kind {
            "ZERO" => Extent::Zero { sectors },
            "FLAT" => {
                let (file, offset) = quoted(rest).ok_or_else(|| bad("expected \"FILE\" OFFSET"))?;
                let offset = offset.trim();
                let offset = if offset.is_empty() {
                    0
                } else {
                    offset
                        .parse()
                        .map_err(|_| bad("expected an offset in sectors"))?
                };
                Extent::Flat {
                    sectors,
                    file,
                    offset,
                }
            }
            other => {
                return Err(bad(&format!(
                    "{other} extents are not read (only FLAT and ZERO): convert the disk to one file first"
                )));
            }
        };
        extents.push(extent);
        if extents.len() > MAX_EXTENTS {
            return Err(bad("too many extents"));
        }
    }
    if extents.is_empty() {
        return Err(invalid(0, "the VMDK descriptor lists no extent"));
    }
    Ok(extents)
}

/// `"name" rest` as the name and the rest.
fn quoted(text: &str) -> Option<(String, &str)> {
    let text = text.strip_prefix('"')?;
    let end = text.find('"')?;
    Some((text[..end].to_string(), &text[end + 1..]))
}

/// The virtual disk the descriptor at `path` describes.
pub fn open(path: &Path) -> io::Result<Box<dyn Disk>> {
    let mut text = String::new();
    open_regular(path)
        .map_err(|e| io::Error::other(e.to_string()))?
        .take(MAX_DESCRIPTOR)
        .read_to_string(&mut text)
        .map_err(|e| invalid(0, format!("the VMDK descriptor is not text: {e}")))?;
    let folder = path.parent().unwrap_or(Path::new("."));
    let mut parts = Vec::new();
    let mut size = 0u64;
    for extent in parse_descriptor(&text)? {
        let (sectors, data) = match extent {
            Extent::Zero { sectors } => (sectors, None),
            Extent::Flat {
                sectors,
                file,
                offset,
            } => {
                if file.is_empty() || file.contains(['/', '\\']) || file == ".." || file == "." {
                    return Err(invalid(
                        0,
                        format!("extent file {file:?}: only a file beside the descriptor is read"),
                    ));
                }
                let handle = open_regular(&folder.join(&file))
                    .map_err(|e| io::Error::other(e.to_string()))?;
                let bytes = |s: u64| {
                    s.checked_mul(SECTOR)
                        .ok_or_else(|| invalid(0, format!("extent {file}: its size overflows")))
                };
                let window: Box<dyn Disk> =
                    Box::new(Window::new(handle, bytes(offset)?, bytes(sectors)?)?);
                (sectors, Some(window))
            }
        };
        let len = sectors.checked_mul(SECTOR);
        let end = len
            .and_then(|len| size.checked_add(len))
            .ok_or_else(|| invalid(0, "the extents add up to more than any disk"))?;
        parts.push(Part {
            start: size,
            end,
            data,
        });
        size = end;
    }
    Ok(Box::new(Concatenated {
        parts,
        size,
        position: 0,
    }))
}

/// One extent of the disk: `[start, end)`, its bytes or zeros.
struct Part {
    start: u64,
    end: u64,
    data: Option<Box<dyn Disk>>,
}

/// The extents one after the other.
struct Concatenated {
    parts: Vec<Part>,
    size: u64,
    position: u64,
}

impl Read for Concatenated {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let position = self.position;
        let Some(part) = self
            .parts
            .iter_mut()
            .find(|p| p.start <= position && position < p.end)
        else {
            return Ok(0);
        };
        let want = usize::try_from(part.end - position)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let piece = &mut buf[..want];
        let read = match &mut part.data {
            None => {
                piece.fill(0);
                want
            }
            Some(data) => {
                data.seek(SeekFrom::Start(position - part.start))?;
                data.read(piece)?
            }
        };
        self.position += read as u64;
        Ok(read)
    }
}

impl Seek for Concatenated {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = seek_position(self.position, self.size, to)?;
        Ok(self.position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_descriptor_lists_its_extents() {
        let text = "# Disk DescriptorFile\nversion=1\ncreateType=\"monolithicFlat\"\n\
                    RW 2048 FLAT \"disk-flat.vmdk\" 0\nRW 8 ZERO\nddb.adapterType = \"ide\"\n";
        assert_eq!(
            parse_descriptor(text).unwrap(),
            [
                Extent::Flat {
                    sectors: 2048,
                    file: "disk-flat.vmdk".into(),
                    offset: 0
                },
                Extent::Zero { sectors: 8 }
            ]
        );
        assert!(parse_descriptor("RW 10 SPARSE \"x.vmdk\"").is_err());
        assert!(parse_descriptor("# nothing").is_err());
    }
}
