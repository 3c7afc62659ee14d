//! Crafted hives: the editor must answer every edit of a corrupted hive with a result or an error,
//! never a panic or a hang.

use crate::common;

use proptest::prelude::*;
use winsock_doctor::hive::base_block::write_checksum;
use winsock_doctor::hive::builder::{KeySpec, ValueSpec, build_hive};
use winsock_doctor::hive::editor::Editor;

fn sample_hive() -> Vec<u8> {
    static SAMPLE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(build_sample).clone()
}

fn build_sample() -> Vec<u8> {
    let leaf = |name: &str| KeySpec {
        name: name.to_string(),
        values: vec![
            ValueSpec {
                name: "small".into(),
                data_type: 4,
                data: vec![1, 0, 0, 0],
            },
            ValueSpec {
                name: "cell".into(),
                data_type: 3,
                data: vec![7; 100],
            },
            ValueSpec {
                name: "big".into(),
                data_type: 3,
                data: vec![9; 20_000],
            },
        ],
        subkeys: vec![],
    };
    let many = KeySpec {
        name: "Many".into(),
        subkeys: (0..520)
            .map(|i| leaf(&format!("k{i}")))
            .take(520)
            .map(|mut k| {
                k.values.truncate(1);
                k
            })
            .collect(),
        ..KeySpec::default()
    };
    let root = KeySpec {
        name: "ROOT".into(),
        values: vec![],
        subkeys: vec![
            leaf("A"),
            KeySpec {
                name: "B".into(),
                subkeys: vec![leaf("C")],
                ..KeySpec::default()
            },
            many,
        ],
    };
    build_hive(5, &root, 1).unwrap()
}

fn edits_of_a_corrupted_hive_never_panic() {
    let corruptions = prop::collection::vec((4096usize..200_000, any::<u8>()), 1..24);
    common::property::check(64, corruptions, |corruptions| {
        let mut image = sample_hive();
        let len = image.len();
        for (at, byte) in corruptions {
            image[at % len] = byte;
        }
        write_checksum(&mut image);
        let Ok(mut editor) = Editor::open(&image) else {
            return Ok(());
        };
        let _ = editor.create_key("A\\New\\Deeper");
        let _ = editor.set_value("A", "small", 4, &[2, 0, 0, 0]);
        let _ = editor.set_value("B\\C", "big", 3, &[3; 30_000]);
        let _ = editor.delete_value("A", "cell");
        let _ = editor.create_key("Many\\k0x");
        let _ = editor.delete_key("Many\\k7");
        let _ = editor.delete_key("B");
        let _ = editor.value("A", "big");
        let _ = editor.subkey_names("Many");
        let _ = editor.finish();
        Ok(())
    });
}

fn the_sample_hive_edits_cleanly() {
    // The fuzz above is only meaningful if the same edits succeed on the intact hive.
    let mut editor = Editor::open(&sample_hive()).unwrap();
    editor.create_key("A\\New\\Deeper").unwrap();
    editor.set_value("B\\C", "big", 3, &[3; 30_000]).unwrap();
    assert!(editor.delete_value("A", "cell").unwrap());
    assert!(editor.delete_key("Many\\k7").unwrap());
    assert!(editor.delete_key("B").unwrap());
    assert_eq!(editor.subkey_names("Many").unwrap().len(), 519);
}

fn a_hive_with_a_broken_bin_is_refused_at_that_bin() {
    let Some(input) = common::read_hive("real/winxp-sp3-x86-damaged/SYSTEM") else {
        return;
    };
    let err = Editor::open(&input)
        .err()
        .expect("a hive with a zeroed bin signature is refused");
    let offset = err.offset.expect("the error says where") as usize;
    assert_eq!(offset % 4096, 0, "{err}");
    assert_ne!(&input[offset..offset + 4], b"hbin", "{err}");
    assert!(err.message.contains("hbin"), "{err}");
}

fn every_zoo_hive_is_edited_or_refused_without_panic() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let mut edited = 0;
    for entry in std::fs::read_dir(dir.join("zoo")).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let Ok(mut editor) = Editor::open(&bytes) else {
            continue;
        };
        if editor.create_key("Doctor\\Test").is_ok()
            && editor.set_value("Doctor", "v", 3, &[1; 64]).is_ok()
        {
            let output = editor.finish();
            nt_hive::Hive::new(&output[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            edited += 1;
        }
    }
    assert!(
        edited >= 10,
        "most zoo hives are sound enough to edit, only {edited} were"
    );
}

common::registry::register_tests! {
    Nothing: [
        edits_of_a_corrupted_hive_never_panic,
        the_sample_hive_edits_cleanly,
    ],
    Hives: [
        a_hive_with_a_broken_bin_is_refused_at_that_bin,
        every_zoo_hive_is_edited_or_refused_without_panic,
    ],
}
