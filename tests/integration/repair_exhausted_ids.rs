//! A hostile hive whose catalog entry IDs already reach the top of the u32 range: `repair --mode
//! fix` cannot hand out a fresh ID and must say so (exit 2), not overflow or reuse an ID.

use crate::common;

use common::patchable::{XP, copy, entry};
use common::repair::repair_refused;

fn fix_refuses_when_no_fresh_catalog_id_is_left() {
    let Some(mut hive) = copy(XP) else { return };
    // Entries 1 and 2 share the last ID: the second needs a fresh one, and none is left.
    for n in [1, 2] {
        let key = entry("Catalog_Entries", n);
        let mut item = hive.packed_item(&key);
        item.set_id(u32::MAX);
        hive.set_packed_item(&key, &item);
    }
    let input = hive.save().to_path_buf();
    let out = input.with_file_name("SYSTEM.repaired");
    let stderr = repair_refused(&input, &out, &["--mode", "fix"]);
    assert!(stderr.contains("no catalog entry ID is left"), "{stderr}");
}

common::registry::register_tests! {
    Hives: [
        fix_refuses_when_no_fresh_catalog_id_is_left,
    ],
}
