//! Hostile disk images made here byte by byte: each gives a clear error (exit 2, naming the
//! image and what was wrong where), quickly and without a panic.

use std::path::Path;

use crate::common::cli::{assert_refused, doctor};

fn scan_fails_with(image: &Path, expected: &str) {
    let out = doctor()
        .arg("scan")
        .arg(image)
        .timeout(std::time::Duration::from_secs(20))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A sector 0 with the boot signature and one MBR entry.
fn mbr(kind: u8, start: u32, sectors: u32) -> Vec<u8> {
    let mut disk = vec![0; 512];
    disk[446 + 4] = kind;
    disk[446 + 8..446 + 12].copy_from_slice(&start.to_le_bytes());
    disk[446 + 12..446 + 16].copy_from_slice(&sectors.to_le_bytes());
    disk[510] = 0x55;
    disk[511] = 0xAA;
    disk
}

fn a_partition_past_the_end_of_the_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = mbr(7, 2048, 1 << 20);
    disk.resize(1 << 20, 0);
    let image = write(dir.path(), "past.img", &disk);
    scan_fails_with(&image, "past the end of the disk");
}

fn a_disk_that_is_no_volume_and_no_table() {
    let dir = tempfile::tempdir().unwrap();
    // An NTFS boot sector name with nothing behind it.
    let mut disk = vec![0; 4096];
    disk[3..11].copy_from_slice(b"NTFS    ");
    let image = write(dir.path(), "empty-ntfs.img", &disk);
    scan_fails_with(&image, "NTFS");
}

/// A dynamic VHD of `size` bytes in one 2 MiB block whose BAT entry is `entry`.
fn dynamic_vhd(entry: u32, size: u64) -> Vec<u8> {
    let mut footer = vec![0; 512];
    footer[..8].copy_from_slice(b"conectix");
    footer[16..24].copy_from_slice(&512u64.to_be_bytes());
    footer[48..56].copy_from_slice(&size.to_be_bytes());
    footer[60..64].copy_from_slice(&3u32.to_be_bytes());
    let mut header = vec![0; 1024];
    header[..8].copy_from_slice(b"cxsparse");
    header[16..24].copy_from_slice(&1536u64.to_be_bytes());
    header[28..32].copy_from_slice(&1u32.to_be_bytes());
    header[32..36].copy_from_slice(&(2u32 << 20).to_be_bytes());
    let mut file = footer.clone();
    file.extend(header);
    let mut bat = vec![0xFF; 512];
    bat[..4].copy_from_slice(&entry.to_be_bytes());
    file.extend(bat);
    file.extend(footer);
    file
}

fn a_vhd_block_table_pointing_past_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let image = write(dir.path(), "bat.vhd", &dynamic_vhd(0x00FF_FFFF, 2 << 20));
    scan_fails_with(&image, "past the end of the file");
}

fn a_vhd_too_small_for_its_table() {
    let dir = tempfile::tempdir().unwrap();
    // One table entry cannot map 1 TiB.
    let image = write(dir.path(), "big.vhd", &dynamic_vhd(u32::MAX, 1 << 40));
    scan_fails_with(&image, "table entries cannot map");
}

fn a_vmdk_grain_directory_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = vec![0; 1024];
    file[..4].copy_from_slice(b"KDMV");
    file[4..8].copy_from_slice(&1u32.to_le_bytes());
    file[12..20].copy_from_slice(&4096u64.to_le_bytes());
    file[20..28].copy_from_slice(&128u64.to_le_bytes());
    file[44..48].copy_from_slice(&512u32.to_le_bytes());
    file[56..64].copy_from_slice(&1u64.to_le_bytes());
    // The grain directory's one entry names a grain table far beyond the file.
    file[512..516].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    let image = write(dir.path(), "gd.vmdk", &file);
    scan_fails_with(&image, "a table entry cannot be read");
}

fn a_stream_optimized_vmdk_is_refused_with_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = vec![0; 1024];
    file[..4].copy_from_slice(b"KDMV");
    file[77] = 1;
    let image = write(dir.path(), "stream.vmdk", &file);
    scan_fails_with(&image, "qemu-img convert");
}

fn a_vmdk_descriptor_naming_a_file_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let text = "# Disk DescriptorFile\nRW 2048 FLAT \"../../etc/passwd\" 0\n";
    let image = write(dir.path(), "escape.vmdk", text.as_bytes());
    scan_fails_with(&image, "only a file beside the descriptor");
}

fn a_vhdx_without_its_headers() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = vec![0; 320 << 10];
    file[..8].copy_from_slice(b"vhdxfile");
    let image = write(dir.path(), "bare.vhdx", &file);
    scan_fails_with(&image, "VHDX header");
}

fn a_damaged_e01() {
    let dir = tempfile::tempdir().unwrap();
    let mut file = b"EVF\x09\x0d\x0a\xff\x00\x01\x01\x00\x00\x00".to_vec();
    file.resize(4096, 0xAB);
    let image = write(dir.path(), "case.E01", &file);
    scan_fails_with(&image, "EWF");
}

fn partition_options_are_for_images_only() {
    let dir = tempfile::tempdir().unwrap();
    let hive = write(dir.path(), "SYSTEM", b"regf");
    assert_refused(
        doctor().args(["scan", "--partition", "1"]).arg(&hive),
        "for disk images",
    );
}

fn a_partition_starting_at_sector_0() {
    // mbrman's alignment guess unwraps None on it (found by the image_raw fuzz target).
    let dir = tempfile::tempdir().unwrap();
    let mut disk = mbr(2, 0, 16);
    disk.resize(4096, 0);
    let image = write(dir.path(), "zero.img", &disk);
    scan_fails_with(&image, "damaged partition table");
}

fn restore_of_an_image_says_restore_is_for_volumes() {
    let dir = tempfile::tempdir().unwrap();
    let mut disk = mbr(7, 2048, 2048);
    disk.resize(4096 * 512, 0);
    let image = write(dir.path(), "disk.img", &disk);
    doctor()
        .args(["restore", "--list"])
        .arg(&image)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("a disk image (raw)"))
        .stderr(predicates::str::contains("restore works on a volume"));
}

crate::common::registry::register_tests! {
    Nothing: [
        a_partition_past_the_end_of_the_disk,
        a_disk_that_is_no_volume_and_no_table,
        a_vhd_block_table_pointing_past_the_file,
        a_vhd_too_small_for_its_table,
        a_vmdk_grain_directory_out_of_range,
        a_stream_optimized_vmdk_is_refused_with_the_way_out,
        a_vmdk_descriptor_naming_a_file_elsewhere,
        a_vhdx_without_its_headers,
        a_damaged_e01,
        partition_options_are_for_images_only,
        a_partition_starting_at_sector_0,
        restore_of_an_image_says_restore_is_for_volumes,
    ],
}
