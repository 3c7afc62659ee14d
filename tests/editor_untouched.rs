//! What an edit does not touch stays byte-identical: a copy without edits differs from the input
//! only in its base block, and a one-value edit changes only that value and its key's time.

mod common;

use winsock_doctor::hive::base_block::BASE_BLOCK_SIZE;
use winsock_doctor::hive::editor::Editor;

const HIVES: &[&str] = &[
    "real/winxp-sp3-x86-m57/SYSTEM",
    "real/win7-sp1-x86/SYSTEM",
    "real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered",
    "real/nt4-sp3-x86-dc/SYSTEM",
];

#[test]
fn a_copy_without_edits_keeps_every_bin_byte() {
    for relative in HIVES {
        let Some(input) = common::read_hive(relative) else {
            return;
        };
        let output = Editor::open(&input).unwrap().finish();
        assert_eq!(
            output[BASE_BLOCK_SIZE..],
            input[BASE_BLOCK_SIZE..output.len()],
            "{relative}"
        );
    }
}

#[test]
fn replacing_a_dword_changes_only_its_value_and_its_key_time() {
    let key = "ControlSet001\\Services\\WinSock2\\Parameters\\Protocol_Catalog9";
    for relative in HIVES {
        let Some(input) = common::read_hive(relative) else {
            return;
        };
        let mut editor = Editor::open(&input).unwrap();
        let old = editor.value(key, "Num_Catalog_Entries").unwrap();
        let old = old.unwrap_or_else(|| panic!("{relative}: the catalog has an entry count"));
        let mut count = u32::from_le_bytes(old.data.try_into().unwrap());
        count = count.wrapping_add(1);
        editor
            .set_value(key, "num_catalog_entries", 4, &count.to_le_bytes())
            .unwrap();
        editor.set_timestamp(0x01da_1234_5678_9abc);
        let output = editor.finish();
        let changed: Vec<usize> = (BASE_BLOCK_SIZE..output.len())
            .filter(|&i| output[i] != input[i])
            .collect();
        // The inline data (4 bytes) of the vk and the 8-byte time of the nk: two short runs.
        let runs = changed.windows(2).filter(|w| w[1] - w[0] > 8).count() + 1;
        assert!(
            changed.len() <= 12 && runs <= 2,
            "{relative}: changed bytes at {changed:x?}"
        );
    }
}

#[test]
fn rewriting_a_catalog_entry_in_place_changes_only_its_bytes_and_time() {
    let key = "ControlSet001\\Services\\WinSock2\\Parameters\\Protocol_Catalog9\\Catalog_Entries\\000000000001";
    for relative in HIVES {
        let Some(input) = common::read_hive(relative) else {
            return;
        };
        let mut editor = Editor::open(&input).unwrap();
        let old = editor.value(key, "PackedCatalogItem").unwrap();
        let mut data = old
            .unwrap_or_else(|| panic!("{relative}: entry 1 has a PackedCatalogItem"))
            .data;
        data[0] ^= 0xff; // first byte of the DLL path
        editor
            .set_value(key, "PackedCatalogItem", 3, &data)
            .unwrap();
        editor.set_timestamp(0x01da_1234_5678_9abc);
        let output = editor.finish();
        let changed: Vec<usize> = (BASE_BLOCK_SIZE..output.len())
            .filter(|&i| output[i] != input[i])
            .collect();
        // One data byte and the 8-byte time of the nk.
        assert!(
            changed.len() <= 9,
            "{relative}: changed bytes at {changed:x?}"
        );
        assert_eq!(
            output.len(),
            input.len().min(output.len()),
            "{relative}: no new bin"
        );
    }
}
