//! Disk images read directly, read-only, without mounting: the container ([`open`]: raw, VHD,
//! VHDX, VMDK, E01) gives a virtual disk, [`partitions`] its volumes, [`ntfs_volume`] the files
//! on an NTFS volume, and [`installation`] the Windows installations found there.

pub mod disk;
pub mod dll_volume;
pub mod ewf;
pub mod installation;
pub mod mapped;
pub mod ntfs_volume;
pub mod open;
pub mod partitions;
pub mod sniff;
pub mod vhd;
pub mod vhdx;
pub mod vmdk_flat;
pub mod vmdk_sparse;
pub mod window;
