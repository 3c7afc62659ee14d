//! The vmdk_sparse container reader on any bytes: opening and reading its virtual disk (and the
//! partition tables on it) ends in data or an error, never a panic, hang or huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::image::open::open_container;
use winsock_doctor::image::sniff::Container;
use winsock_doctor_fuzz::read_disk;

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let file = std::io::Cursor::new(data.to_vec());
    read_disk(open_container(Container::VmdkSparse, file));
});
