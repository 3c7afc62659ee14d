//! Open a hive image from bytes, walk the whole tree through `HiveReader`, and read the Winsock
//! catalogs of every control set. Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor_fuzz::walk_image;

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    if let Ok(image) = HiveImage::from_vec(data.to_vec()) {
        walk_image(&image, true);
    }
});
