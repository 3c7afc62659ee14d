//! Open a hive image from bytes, walk the whole tree through `HiveReader`, and read the Winsock
//! catalogs of every control set. Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor::hive::reader::HiveReader;
use winsock_doctor::winsock::catalog::read_system_catalogs;
use winsock_doctor_fuzz::walk_reader;

fuzz_target!(|data: &[u8]| {
    let Ok(image) = HiveImage::from_vec(data.to_vec()) else {
        return;
    };
    let Ok(hive) = image.nt_hive() else {
        return;
    };
    let hive_len = image.hive_bytes().len();
    let reader = HiveReader::new(&hive, image.hive_bytes());
    let _ = walk_reader(&reader, hive_len);
    let _ = read_system_catalogs(&reader, None, true);
});
