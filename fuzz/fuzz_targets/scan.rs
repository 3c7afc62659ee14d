//! The whole diagnosis on a hive image from bytes: read the catalogs of every control set, infer
//! the Windows version, scan. Errors are fine; panics, hangs and runaway memory are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor::hive::reader::HiveReader;
use winsock_doctor::winsock::catalog::read_system_catalogs;
use winsock_doctor::winsock::scan::scan;
use winsock_doctor::winsock::windows_version::{detect, read_system_facts};

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let Ok(image) = HiveImage::from_vec(data.to_vec()) else {
        return;
    };
    let Ok(hive) = image.nt_hive() else {
        return;
    };
    let reader = HiveReader::new(&hive, image.hive_bytes());
    let Ok(catalogs) = read_system_catalogs(&reader, None, true) else {
        return;
    };
    let facts = read_system_facts(&reader, &catalogs.selected.control_set).unwrap_or_default();
    let windows = detect(
        &facts,
        &catalogs.selected,
        image.base_block().minor_version,
        None,
    );
    let result = scan(&catalogs, &windows);
    assert_eq!(result.diagnoses.len(), 1 + catalogs.others.len());
});
