//! A raw disk: MBR (with extended partitions, through mbrman) and GPT tables on any bytes, and
//! the NTFS lookup of a SYSTEM hive on whatever volume they give.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::image::ntfs_volume::NtfsVolume;
use winsock_doctor::image::partitions::partitions;
use winsock_doctor::image::window::Window;

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let mut disk = std::io::Cursor::new(data.to_vec());
    let Ok(found) = partitions(&mut disk) else {
        return;
    };
    for partition in found {
        let Ok(window) = Window::new(&mut disk, partition.start, partition.length) else {
            continue;
        };
        if let Ok(mut volume) = NtfsVolume::open(window) {
            let _ = volume.find(&["Windows", "System32", "config", "SYSTEM"]);
            let _ = volume.list(5);
        }
    }
});
