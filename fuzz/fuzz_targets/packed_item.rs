//! Decode a PackedCatalogItem; when it decodes and encodes, the encoding decodes to the same
//! fields (stale bytes and the value length excepted: `encode` does not reproduce them).
#![no_main]

use libfuzzer_sys::fuzz_target;
use winsock_doctor::winsock::packed_item::{PACKED_ITEM_LEN, PackedCatalogItem};

fuzz_target!(
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
    },
    |data: &[u8]| {
    let Ok(item) = PackedCatalogItem::decode(data) else {
        return;
    };
    let Ok(encoded) = item.encode() else {
        return;
    };
    assert_eq!(encoded.len(), PACKED_ITEM_LEN);
    let again = PackedCatalogItem::decode(&encoded).expect("an encoded item decodes");
    let expected = PackedCatalogItem {
        path_buffer_stale_bytes: 0,
        chain_stale_entries: 0,
        sz_protocol_stale_bytes: 0,
        value_length: PACKED_ITEM_LEN,
        note: None,
        ..item
    };
    assert_eq!(again, expected);
    assert_eq!(
        again.encode().as_deref(),
        Ok(&encoded[..]),
        "encoding is stable"
    );
});
