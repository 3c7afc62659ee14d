//! PackedCatalogItem decode/encode on every entry of every real hive, read through the library.

use crate::common;

use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor::winsock::packed_item::{PACKED_ITEM_LEN, PATH_LEN, PackedCatalogItem};

fn every_real_entry_round_trips_through_encode() {
    let Some(hives) = common::listed_system_hives(true) else {
        return;
    };
    let mut entries = 0;
    for (path, _) in hives {
        let opened = OpenedHive::open(&path, LogOptions::default()).unwrap();
        let catalogs = opened.catalogs(None, true).unwrap();
        let all = std::iter::once(&catalogs.selected).chain(&catalogs.others);
        for list in all.flat_map(|cs| &cs.protocol_catalogs) {
            for entry in &list.entries {
                let at = format!("{} {}\\{}", path.display(), list.name, entry.key);
                let raw = entry.packed_catalog_item_raw.as_ref().expect(&at);
                let item = entry.item.as_ref().expect(&at);
                let encoded = item.encode().expect(&at);
                assert_eq!(encoded.len(), PACKED_ITEM_LEN, "{at}");
                let mut again = PackedCatalogItem::decode(&encoded).expect(&at);
                // Stale bytes after the NULs, and stale chain slots of base entries (XP leaves
                // them), are the only things encode drops.
                assert_eq!(again.path_buffer_stale_bytes, 0, "{at}");
                assert_eq!(again.sz_protocol_stale_bytes, 0, "{at}");
                assert_eq!(again.chain_stale_entries, 0, "{at}");
                again.path_buffer_stale_bytes = item.path_buffer_stale_bytes;
                again.sz_protocol_stale_bytes = item.sz_protocol_stale_bytes;
                again.chain_stale_entries = item.chain_stale_entries;
                assert_eq!(&again, item, "{at}");
                // Byte for byte, outside the junk after the path's NUL.
                let path_end = item.library_path_bytes.len() + 1;
                assert_eq!(&encoded[..path_end], &raw[..path_end], "{at}");
                if item.sz_protocol_stale_bytes == 0 && item.chain_stale_entries == 0 {
                    assert_eq!(
                        &encoded[PATH_LEN..],
                        &raw[PATH_LEN..PACKED_ITEM_LEN],
                        "{at}"
                    );
                }
                entries += 1;
            }
        }
    }
    assert!(entries > 100, "only {entries} entries checked");
}

common::registry::register_tests! {
    Hives: [
        every_real_entry_round_trips_through_encode,
    ],
}
