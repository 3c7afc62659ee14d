//! The EWF reader (the `ewf` crate) on any one-segment image: data or an error, never a panic,
//! hang or huge allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::image::ewf::from_bytes;
use winsock_doctor_fuzz::read_disk;

fuzz_target!(|data: &[u8]| {
    read_disk(from_bytes(data));
});
