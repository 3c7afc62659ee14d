//! A window onto part of a disk (a partition, a fixed VHD without its footer): reads never go
//! past its end, whatever the inner disk holds beyond.

use std::io::{self, Read, Seek, SeekFrom};

pub struct Window<R> {
    inner: R,
    start: u64,
    len: u64,
    position: u64,
}

impl<R: Read + Seek> Window<R> {
    /// The `len` bytes of `inner` from `start`; an error when they are not all there.
    pub fn new(mut inner: R, start: u64, len: u64) -> io::Result<Self> {
        let inner_len = inner.seek(SeekFrom::End(0))?;
        if start.checked_add(len).is_none_or(|end| end > inner_len) {
            return Err(super::disk::invalid(
                start,
                format!("{len} bytes from here run past the end of the disk ({inner_len} bytes)"),
            ));
        }
        Ok(Self {
            inner,
            start,
            len,
            position: 0,
        })
    }

    pub fn into_inner(self) -> R {
        self.inner
    }
}

impl<R: Read + Seek> Read for Window<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.len.saturating_sub(self.position);
        let want = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        self.inner
            .seek(SeekFrom::Start(self.start + self.position))?;
        let read = self.inner.read(&mut buf[..want])?;
        self.position += read as u64;
        Ok(read)
    }
}

impl<R> Seek for Window<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.position = seek_position(self.position, self.len, to)?;
        Ok(self.position)
    }
}

/// Where a seek from `position` in something `len` bytes long lands; before the start is an
/// error, past the end is allowed (reads there return nothing), as for files.
pub fn seek_position(position: u64, len: u64, to: SeekFrom) -> io::Result<u64> {
    let landed = match to {
        SeekFrom::Start(offset) => Some(offset),
        SeekFrom::End(delta) => len.checked_add_signed(delta),
        SeekFrom::Current(delta) => position.checked_add_signed(delta),
    };
    landed.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn a_window_reads_only_its_bytes() {
        let mut window = Window::new(Cursor::new((0..100u8).collect::<Vec<_>>()), 10, 5).unwrap();
        let mut all = Vec::new();
        window.read_to_end(&mut all).unwrap();
        assert_eq!(all, [10, 11, 12, 13, 14]);
        assert_eq!(window.seek(SeekFrom::End(-1)).unwrap(), 4);
        assert!(window.seek(SeekFrom::Current(-10)).is_err());
    }

    #[test]
    fn a_window_past_the_end_is_refused() {
        let error = Window::new(Cursor::new(vec![0; 100]), 90, 20)
            .err()
            .unwrap();
        assert!(error.to_string().contains("past the end"), "{error}");
        assert!(Window::new(Cursor::new(vec![0; 100]), u64::MAX, 2).is_err());
    }
}
