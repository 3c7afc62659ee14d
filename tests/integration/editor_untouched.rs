//! What an edit does not touch stays byte-identical: a copy without edits differs from the input
//! only in its base block, and a one-value edit changes only that value and its key's time.

use crate::common;

use winsock_doctor::hive::base_block::{BASE_BLOCK_SIZE, OFF_BINS_SIZE};
use winsock_doctor::hive::editor::Editor;

const HIVES: &[&str] = &[
    "real/winxp-sp3-x86-m57/SYSTEM",
    "real/win7-sp1-x86/SYSTEM",
    "real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered",
    "real/nt4-sp3-x86-dc/SYSTEM",
];

/// The size of the hive bins the base block of `hive` claims.
fn bins_size(hive: &[u8]) -> usize {
    let field = &hive[OFF_BINS_SIZE..OFF_BINS_SIZE + 4];
    u32::from_le_bytes(field.try_into().unwrap()) as usize
}

/// `output` holds exactly the bins of `input`: none dropped (an input may have slack past its
/// bins, so comparing only up to `output.len()` would not see a lost last bin), none added.
fn assert_same_bins_length(relative: &str, input: &[u8], output: &[u8]) {
    assert_eq!(
        output.len(),
        BASE_BLOCK_SIZE + bins_size(input),
        "{relative}: the output holds every bin of the input, and no new bin"
    );
}

/// Read `value` of `key` in `input`, then set it (named `set_as`, which may differ in case) to
/// what `change` makes of its current data (type `data_type`), with a fixed key time; check the
/// output keeps the input's bins length and return the offsets of the bytes past the base block
/// that differ from the input.
fn edit_one_value(
    relative: &str,
    input: &[u8],
    key: &str,
    (value, set_as): (&str, &str),
    data_type: u32,
    change: impl FnOnce(Vec<u8>) -> Vec<u8>,
) -> Vec<usize> {
    let mut editor = Editor::open(input).unwrap();
    let old = editor.value(key, value).unwrap();
    let old = old.unwrap_or_else(|| panic!("{relative}: {key} has a value {value}"));
    editor
        .set_value(key, set_as, data_type, &change(old.data))
        .unwrap();
    editor.set_timestamp(0x01da_1234_5678_9abc);
    let output = editor.finish();
    assert_same_bins_length(relative, input, &output);
    (BASE_BLOCK_SIZE..output.len())
        .filter(|&i| output[i] != input[i])
        .collect()
}

fn a_copy_without_edits_keeps_every_bin_byte() {
    for relative in HIVES {
        let Some(input) = common::read_hive(relative) else {
            return;
        };
        let output = Editor::open(&input).unwrap().finish();
        assert_same_bins_length(relative, &input, &output);
        assert_eq!(
            output[BASE_BLOCK_SIZE..],
            input[BASE_BLOCK_SIZE..output.len()],
            "{relative}"
        );
    }
}

/// [`edit_one_value`] on each of [`HIVES`]: each hive with the offsets that changed (none when
/// the hives are absent).
fn edit_one_value_in_each(
    key: &str,
    names: (&str, &str),
    data_type: u32,
    change: impl Fn(Vec<u8>) -> Vec<u8>,
) -> Vec<(&'static str, Vec<usize>)> {
    HIVES
        .iter()
        .map_while(|&relative| {
            let input = common::read_hive(relative)?;
            let changed = edit_one_value(relative, &input, key, names, data_type, &change);
            Some((relative, changed))
        })
        .collect()
}

fn replacing_a_dword_changes_only_its_value_and_its_key_time() {
    let key = "ControlSet001\\Services\\WinSock2\\Parameters\\Protocol_Catalog9";
    let names = ("Num_Catalog_Entries", "num_catalog_entries");
    let edits = edit_one_value_in_each(key, names, 4, |old| {
        let count = u32::from_le_bytes(old.try_into().unwrap());
        count.wrapping_add(1).to_le_bytes().to_vec()
    });
    for (relative, changed) in edits {
        // The inline data (4 bytes) of the vk and the 8-byte time of the nk: two short runs.
        let runs = changed.windows(2).filter(|w| w[1] - w[0] > 8).count() + 1;
        assert!(
            changed.len() <= 12 && runs <= 2,
            "{relative}: changed bytes at {changed:x?}"
        );
    }
}

fn rewriting_a_catalog_entry_in_place_changes_only_its_bytes_and_time() {
    let key = "ControlSet001\\Services\\WinSock2\\Parameters\\Protocol_Catalog9\\Catalog_Entries\\000000000001";
    // In place: edit_one_value also checks that no bin was added.
    let names = ("PackedCatalogItem", "PackedCatalogItem");
    let edits = edit_one_value_in_each(key, names, 3, |mut data| {
        data[0] ^= 0xff; // first byte of the DLL path
        data
    });
    for (relative, changed) in edits {
        // One data byte and the 8-byte time of the nk.
        assert!(
            changed.len() <= 9,
            "{relative}: changed bytes at {changed:x?}"
        );
    }
}

common::registry::register_tests! {
    Hives: [
        a_copy_without_edits_keeps_every_bin_byte,
        replacing_a_dword_changes_only_its_value_and_its_key_time,
        rewriting_a_catalog_entry_in_place_changes_only_its_bytes_and_time,
    ],
}
