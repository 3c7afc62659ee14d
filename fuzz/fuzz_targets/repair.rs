//! The property of issue 19: whatever the input, `repair` (every mode, and salvage) refuses or
//! produces a hive that its full check passes and that a strict independent reader (nt-hive,
//! walking every key and value) reads whole. Errors are fine; a passed hive that nt-hive cannot
//! walk, a panic, a hang or runaway memory is a finding.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::check::check_hive;
use winsock_doctor::input::OpenedHive;
use winsock_doctor::pipeline::repair::{RepairRequest, repair};
use winsock_doctor::winsock::repair::{Mode, RepairOptions};
use winsock_doctor_fuzz::walk_nt_hive;

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let requests = [
        Some(Mode::Reset),
        Some(Mode::RemoveLsp),
        Some(Mode::Fix),
        None,
    ]
    .map(|mode| RepairRequest {
        options: RepairOptions {
            mode,
            ..RepairOptions::default()
        },
        control_set: None,
        all_control_sets: false,
        software: None,
        windows: None,
        timestamp: 0,
        always_write: false,
        salvage: mode.is_none(),
    });
    for request in &requests {
        let Ok(hive) = OpenedHive::from_bytes(Path::new("fuzz"), data) else {
            return;
        };
        let Ok(outcome) = repair(hive, None, None, request) else {
            continue;
        };
        let Some(repaired) = outcome.repaired else {
            continue;
        };
        if !repaired.verification.passed() {
            continue;
        }
        let bytes = repaired.image.hive_bytes();
        assert!(
            check_hive(bytes).is_whole(),
            "a passed hive fails the check"
        );
        let hive = repaired.image.nt_hive().expect("a passed hive opens");
        if let Err(e) = walk_nt_hive(&hive, bytes.len()) {
            panic!("{request:?} passed a hive nt-hive cannot walk: {e}");
        }
    }
});
