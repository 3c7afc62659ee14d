//! The EWF reader (the `ewf` crate) on any one-segment image: data or an error, never a panic,
//! hang or huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::image::ewf::from_bytes;
use winsock_doctor_fuzz::read_disk;

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    read_disk(from_bytes(data));
});
