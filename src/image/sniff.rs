//! What a file is, by its content (never its name): a disk image of a known container, or not
//! an image at all (then it is read as a hive).

/// The containers winsock-doctor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A raw (dd) copy of a disk with a partition table, or of one NTFS volume.
    Raw,
    /// EWF (`.E01`, `.Ex01`), possibly in several segment files.
    Ewf,
    /// Virtual PC / Hyper-V VHD, fixed or dynamic.
    Vhd,
    Vhdx,
    /// VMDK with its grains in the file (monolithic sparse).
    VmdkSparse,
    /// A VMDK descriptor naming flat extent files.
    VmdkDescriptor,
}

impl Container {
    pub fn name(self) -> &'static str {
        match self {
            Container::Raw => "raw",
            Container::Ewf => "E01",
            Container::Vhd => "VHD",
            Container::Vhdx => "VHDX",
            Container::VmdkSparse => "VMDK (monolithic sparse)",
            Container::VmdkDescriptor => "VMDK (descriptor and flat extents)",
        }
    }
}

/// How many bytes of the start [`sniff`] needs.
pub const HEAD: usize = 4096;
/// How many bytes of the end [`sniff`] needs (a VHD footer).
pub const TAIL: usize = 512;

/// The container of a file whose first bytes are `head` and last `tail`; `None` when it is no
/// image (a hive, or anything else).
pub fn sniff(head: &[u8], tail: &[u8]) -> Option<Container> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"regf") {
        return None;
    }
    if starts(b"EVF\x09\x0d\x0a\xff\x00") || starts(b"EVF2\x0d\x0a\x81\x00") {
        return Some(Container::Ewf);
    }
    if starts(b"vhdxfile") {
        return Some(Container::Vhdx);
    }
    if starts(b"KDMV") {
        return Some(Container::VmdkSparse);
    }
    if starts(b"# Disk DescriptorFile") {
        return Some(Container::VmdkDescriptor);
    }
    if tail.starts_with(b"conectix") || starts(b"conectix") {
        return Some(Container::Vhd);
    }
    let boot_signature = head.get(510..512) == Some(&[0x55, 0xAA][..]);
    let ntfs = head.get(3..11) == Some(&b"NTFS    "[..]);
    (boot_signature || ntfs).then_some(Container::Raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_are_told_by_content() {
        let mut mbr = vec![0; 512];
        mbr[510] = 0x55;
        mbr[511] = 0xAA;
        assert_eq!(sniff(&mbr, &[]), Some(Container::Raw));
        assert_eq!(sniff(b"vhdxfile....", &[]), Some(Container::Vhdx));
        assert_eq!(sniff(b"KDMV", &[]), Some(Container::VmdkSparse));
        assert_eq!(sniff(b"\x00", b"conectix"), Some(Container::Vhd));
        assert_eq!(sniff(b"EVF\x09\x0d\x0a\xff\x00", &[]), Some(Container::Ewf));
        assert_eq!(sniff(b"regf", b"conectix"), None);
        assert_eq!(sniff(b"hello", b""), None);
    }
}
