//! Replay logs onto a primary (input split by `split_replay_input`); when replay succeeds, the
//! result opens like any hive and its tree can be walked.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor::hive::log::{LogFile, describe_log, replay};
use winsock_doctor_fuzz::{split_replay_input, walk_image};

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let (primary, logs) = split_replay_input(data);
    for log in &logs {
        let _ = describe_log(log);
    }
    let names: Vec<String> = (1..=logs.len()).map(|n| format!("SYSTEM.LOG{n}")).collect();
    let logs: Vec<LogFile> = logs
        .iter()
        .zip(&names)
        .map(|(bytes, name)| LogFile {
            path: Path::new(name),
            bytes,
        })
        .collect();
    let Ok(replayed) = replay(primary, &logs) else {
        return;
    };
    let image = match replayed.recovered {
        Some(recovered) => HiveImage::from_vec(recovered),
        None => HiveImage::from_vec(primary.to_vec()),
    };
    if let Ok(image) = image {
        walk_image(&image, false);
    }
});
