use super::*;
use crate::hive::base_block::BaseBlock;
use crate::hive::big_data::SEGMENT_SIZE;
use crate::hive::builder::DEFAULT_SECURITY_DESCRIPTOR;
use crate::hive::cell::file_offset;
use crate::hive::name::StoredName;
use crate::hive::subkey_list::{ListKind, SubkeyList};

const REG_BINARY: u32 = 3;

fn empty(minor: u32) -> Editor {
    Editor::new_empty(minor, "ROOT", &DEFAULT_SECURITY_DESCRIPTOR).unwrap()
}

/// The kind of the top subkey list of the key at `path`.
fn list_kind(editor: &Editor, path: &str) -> Option<ListKind> {
    let key = editor.existing_key(path).unwrap();
    let node = editor.key_node(key).unwrap();
    (node.subkey_count > 0).then(|| {
        SubkeyList::parse(editor.heap.data(node.subkeys_list).unwrap(), 0)
            .unwrap()
            .kind
    })
}

/// The key `name` right under the root, as nt-hive reads it.
fn top_key<'h>(hive: &'h nt_hive::Hive<&[u8]>, name: &str) -> nt_hive::KeyNode<'h, &'h [u8]> {
    hive.root_key_node().unwrap().subkey(name).unwrap().unwrap()
}

fn root_security_refs(editor: &Editor) -> u32 {
    let security = editor.key_node(editor.root).unwrap().security;
    editor.key_security(security).unwrap().0.reference_count
}

/// Bytes in allocated cells.
fn allocated_bytes(editor: &Editor) -> u32 {
    editor.heap.assert_consistent();
    editor
        .heap
        .allocated_cells()
        .iter()
        .map(|&(_, size)| size)
        .sum()
}

#[test]
fn an_empty_hive_is_valid_and_keeps_its_version() {
    for minor in 3..=6 {
        let image = empty(minor).finish();
        let base = BaseBlock::parse(&image).unwrap();
        assert!(!base.is_dirty());
        assert_eq!(
            (base.minor_version, base.bins_size, image.len()),
            (minor, 4096, 8192)
        );
        let hive = nt_hive::Hive::new(&image[..]).unwrap();
        let root = hive.root_key_node().unwrap();
        assert_eq!(root.name().unwrap(), "ROOT");
        let node = Editor::open(&image).unwrap();
        let root_node = node.key_node(node.root).unwrap();
        assert_eq!(
            root_node.flags & (KEY_HIVE_ENTRY | KEY_NO_DELETE),
            KEY_HIVE_ENTRY | KEY_NO_DELETE
        );
        assert_eq!(root_security_refs(&node), 1);
    }
    assert!(Editor::new_empty(2, "ROOT", &[]).is_err());
    assert!(Editor::new_empty(5, "", &[]).is_err());
}

#[test]
fn values_of_every_size_read_back_through_nt_hive() {
    let mut editor = empty(5);
    editor.create_key("Key").unwrap();
    let sizes = [
        0,
        1,
        4,
        5,
        1000,
        SEGMENT_SIZE,
        SEGMENT_SIZE + 1,
        3 * SEGMENT_SIZE + 17,
    ];
    for size in sizes {
        let data: Vec<u8> = (0..size).map(|i| (i * 31 % 256) as u8).collect();
        editor
            .set_value("Key", &format!("v{size}"), REG_BINARY, &data)
            .unwrap();
        let read = editor.value("key", &format!("V{size}")).unwrap().unwrap();
        assert_eq!(
            read,
            ValueData {
                data_type: REG_BINARY,
                data
            }
        );
    }
    let image = editor.finish();
    let hive = nt_hive::Hive::new(&image[..]).unwrap();
    let key = top_key(&hive, "key");
    for size in sizes {
        let value = key.value(&format!("v{size}")).unwrap().unwrap();
        let data = value.data().unwrap().into_vec().unwrap();
        assert_eq!(data.len(), size);
        assert!(
            data.iter()
                .enumerate()
                .all(|(i, &b)| b == (i * 31 % 256) as u8)
        );
    }
}

#[test]
fn version_1_3_stores_big_values_in_one_cell() {
    let mut editor = empty(3);
    let data = vec![0x42; 3 * SEGMENT_SIZE];
    editor.set_value("", "big", REG_BINARY, &data).unwrap();
    let node = editor.key_node(editor.root).unwrap();
    let value = editor.value_offsets(&node).unwrap()[0];
    assert_eq!(editor.value_data_cells(value).unwrap().len(), 1);
    assert_eq!(editor.value("", "BIG").unwrap().unwrap().data, data);
}

#[test]
fn replaced_and_deleted_values_free_all_their_cells() {
    let mut editor = empty(5);
    editor.create_key("Key").unwrap();
    let baseline = allocated_bytes(&editor);
    editor
        .set_value("Key", "v", REG_BINARY, &vec![1; 5 * SEGMENT_SIZE])
        .unwrap();
    editor.set_value("Key", "V", REG_BINARY, &[1; 300]).unwrap();
    editor.set_value("Key", "v", 4, &[1, 0, 0, 0]).unwrap();
    editor.set_value("Key", "w", REG_BINARY, &[2; 10]).unwrap();
    assert_eq!(editor.value_names("Key").unwrap(), ["v", "w"]);
    assert!(editor.delete_value("Key", "V").unwrap());
    assert!(editor.delete_value("Key", "W").unwrap());
    assert!(!editor.delete_value("Key", "W").unwrap());
    assert!(!editor.delete_value("Nowhere", "W").unwrap());
    assert_eq!(allocated_bytes(&editor), baseline);
    // Freed neighbours coalesce: each bin appended for the big value is one free cell again.
    for (offset, size) in editor.heap.free_cells() {
        if offset >= PAGE_SIZE {
            assert_eq!(
                offset % PAGE_SIZE,
                HBIN_HEADER_SIZE,
                "free cell at {offset:#x}"
            );
            assert_eq!((offset + size) % PAGE_SIZE, 0);
        }
    }
    let key = editor
        .key_node(editor.existing_key("Key").unwrap())
        .unwrap();
    assert_eq!((key.value_count, key.values_list), (0, NO_CELL));
    assert_eq!(
        key.max_value_data,
        5 * SEGMENT_SIZE as u32,
        "largest sizes only grow"
    );
}

#[test]
fn subkeys_stay_sorted_and_split_into_an_index_root() {
    let mut editor = empty(5);
    let names: Vec<String> = (0..1200u32)
        .map(|i| {
            format!(
                "{}_{:04}",
                ["a", "B", "Z", "z"][i as usize % 4],
                (i * 7919) % 1200
            )
        })
        .collect();
    for name in &names {
        editor.create_key(&format!("Parent\\{name}")).unwrap();
    }
    assert_eq!(list_kind(&editor, "Parent"), Some(ListKind::IndexRoot));
    let listed = editor.subkey_names("Parent").unwrap();
    assert_eq!(listed.len(), 1200);
    let stored: Vec<StoredName> = listed.iter().map(|n| StoredName::encode(n)).collect();
    assert!(
        stored.windows(2).all(|w| w[0].as_nt() < w[1].as_nt()),
        "sorted by uppercase name"
    );
    // Upper- and lowercase of a name are one key.
    editor
        .create_key(&format!("PARENT\\{}", names[0].to_uppercase()))
        .unwrap();
    assert_eq!(editor.subkey_names("Parent").unwrap().len(), 1200);

    let image = editor.finish();
    let hive = nt_hive::Hive::new(&image[..]).unwrap();
    let parent = top_key(&hive, "parent");
    for name in &names {
        assert!(
            parent.subkey(&name.to_lowercase()).is_some(),
            "binary search finds {name}"
        );
    }

    let mut editor = Editor::open(&image).unwrap();
    for name in &names[1..] {
        assert!(editor.delete_key(&format!("Parent\\{name}")).unwrap());
    }
    assert_eq!(
        list_kind(&editor, "Parent"),
        Some(ListKind::HashLeaf),
        "a lone leaf replaces the index root"
    );
    assert!(editor.delete_key(&format!("Parent\\{}", names[0])).unwrap());
    let parent = editor
        .key_node(editor.existing_key("Parent").unwrap())
        .unwrap();
    assert_eq!((parent.subkey_count, parent.subkeys_list), (0, NO_CELL));
}

#[test]
fn new_lists_use_the_leaf_kind_of_the_version() {
    for (minor, kind) in [
        (3, ListKind::FastLeaf),
        (4, ListKind::FastLeaf),
        (5, ListKind::HashLeaf),
        (6, ListKind::HashLeaf),
    ] {
        let mut editor = empty(minor);
        editor.create_key("A\\B").unwrap();
        assert_eq!(list_kind(&editor, ""), Some(kind));
        assert_eq!(list_kind(&editor, "a"), Some(kind));
    }
}

#[test]
fn deleting_a_tree_frees_everything_and_releases_security() {
    let mut editor = empty(5);
    let baseline = allocated_bytes(&editor);
    editor.create_key("Tree\\A\\B\\C").unwrap();
    editor.create_key("Tree\\A\\D").unwrap();
    editor
        .set_value("Tree\\A\\B", "big", REG_BINARY, &vec![3; 2 * SEGMENT_SIZE])
        .unwrap();
    editor
        .set_value("Tree\\A\\D", "small", 4, &[1, 2, 3, 4])
        .unwrap();
    assert_eq!(root_security_refs(&editor), 6);
    assert!(matches!(editor.delete_key(""), Err(EditError::RootKey)));
    let mut node = editor
        .key_node(editor.existing_key("Tree\\A\\D").unwrap())
        .unwrap();
    node.flags |= KEY_NO_DELETE;
    editor
        .write_key_node(editor.existing_key("Tree\\A\\D").unwrap(), &node)
        .unwrap();
    assert!(matches!(
        editor.delete_key("Tree\\A\\D"),
        Err(EditError::NoDelete(_))
    ));
    node.flags &= !KEY_NO_DELETE;
    editor
        .write_key_node(editor.existing_key("Tree\\A\\D").unwrap(), &node)
        .unwrap();
    assert!(editor.delete_key("tree").unwrap());
    assert!(!editor.delete_key("tree").unwrap());
    assert_eq!(root_security_refs(&editor), 1);
    assert_eq!(allocated_bytes(&editor), baseline);
    assert!(!editor.key_exists("Tree\\A").unwrap());
}

#[test]
fn a_security_descriptor_used_by_no_key_is_unlinked_and_freed() {
    let mut editor = empty(5);
    editor.create_key("Own").unwrap();
    // Give "Own" a descriptor of its own, linked into the list after the root's.
    let root_sk = editor.key_node(editor.root).unwrap().security;
    let own = editor.existing_key("Own").unwrap();
    let sk = KeySecurity {
        flink: root_sk,
        blink: root_sk,
        reference_count: 1,
        descriptor_len: 4,
        reserved: 0,
    };
    let own_sk = editor.heap.alloc(&sk.encode(&[1, 2, 3, 4])).unwrap();
    let (mut root_record, _) = editor.key_security(root_sk).unwrap();
    root_record.reference_count -= 1;
    root_record.flink = own_sk;
    root_record.blink = own_sk;
    root_record.write_header(editor.heap.data_mut(root_sk).unwrap());
    let mut node = editor.key_node(own).unwrap();
    node.security = own_sk;
    editor.write_key_node(own, &node).unwrap();

    assert!(editor.delete_key("Own").unwrap());
    let (root_record, _) = editor.key_security(root_sk).unwrap();
    assert_eq!(
        (
            root_record.flink,
            root_record.blink,
            root_record.reference_count
        ),
        (root_sk, root_sk, 1)
    );
    assert!(
        editor.heap.data(own_sk).is_err(),
        "the unused descriptor is free"
    );
}

#[test]
fn existing_keys_keep_their_case_and_names_are_checked() {
    let mut editor = empty(5);
    editor.create_key("Foo\\Ключ").unwrap();
    editor.create_key("FOO\\ключ\\bar").unwrap();
    assert_eq!(editor.subkey_names("").unwrap(), ["Foo"]);
    assert_eq!(editor.subkey_names("foo").unwrap(), ["Ключ"]);
    assert!(editor.key_exists("\\foo\\КЛЮЧ\\BAR\\").unwrap());
    assert!(matches!(
        editor.create_key("a\\\\b"),
        Err(EditError::InvalidName { .. })
    ));
    assert!(matches!(
        editor.create_key(&"x".repeat(256)),
        Err(EditError::InvalidName { .. })
    ));
    assert!(matches!(
        editor.set_value("missing", "v", 4, &[0; 4]),
        Err(EditError::KeyNotFound(_))
    ));
}

#[test]
fn finish_writes_a_clean_header_above_every_sequence_and_stamps_changed_keys() {
    let mut editor = empty(5);
    editor.create_key("Old").unwrap();
    editor.set_timestamp(1000);
    let image = editor.finish();
    assert_eq!(BaseBlock::parse(&image).unwrap().primary_sequence, 1);

    let mut editor = Editor::open(&image).unwrap();
    editor.set_minimum_sequence(41);
    editor.set_timestamp(0x01da_0000_0000_0000);
    editor.create_key("New").unwrap();
    let old = editor.existing_key("Old").unwrap();
    let image = editor.finish();
    let base = BaseBlock::parse(&image).unwrap();
    assert_eq!((base.primary_sequence, base.secondary_sequence), (42, 42));
    assert!(base.checksum_ok());
    assert_eq!(base.timestamp, 0x01da_0000_0000_0000);
    let editor = Editor::open(&image).unwrap();
    let stamp = |offset| editor.key_node(offset).unwrap().last_written;
    assert_eq!(
        stamp(editor.root),
        0x01da_0000_0000_0000,
        "the root got a subkey"
    );
    assert_eq!(
        stamp(editor.existing_key("New").unwrap()),
        0x01da_0000_0000_0000
    );
    assert_eq!(stamp(old), 1000, "an unchanged key keeps its time");
}

#[test]
fn a_damaged_clustering_factor_is_not_carried_into_the_output() {
    let mut image = empty(5).finish();
    image[OFF_CLUSTERING_FACTOR..OFF_CLUSTERING_FACTOR + 4]
        .copy_from_slice(&0xFF00_0001u32.to_le_bytes());
    let mut editor = Editor::open(&image).unwrap();
    editor.create_key("K").unwrap();
    let output = editor.finish();
    let base = BaseBlock::parse(&output).unwrap();
    assert_eq!(base.clustering_factor, 1);
    nt_hive::Hive::new(&output[..]).expect("nt-hive accepts the header");
}

#[test]
fn the_same_edits_give_the_same_bytes_and_no_edit_changes_no_cell() {
    let run = || {
        let mut editor = empty(5);
        editor.set_timestamp(7);
        for i in 0..700 {
            editor
                .create_key(&format!("K\\{}", (i * 13) % 700))
                .unwrap();
            editor
                .set_value(
                    &format!("K\\{}", (i * 13) % 700),
                    "v",
                    REG_BINARY,
                    &vec![i as u8; i],
                )
                .unwrap();
        }
        editor.delete_key("K\\5").unwrap();
        editor.finish()
    };
    let image = run();
    assert_eq!(image, run());
    let again = Editor::open(&image).unwrap().finish();
    assert_eq!(again[BASE_BLOCK_SIZE..], image[BASE_BLOCK_SIZE..]);
}

#[test]
fn trailing_bytes_are_dropped() {
    let mut image = empty(5).finish();
    image.extend_from_slice(&[0xcc; 5000]);
    assert_eq!(Editor::open(&image).unwrap().finish().len(), 8192);
}

#[test]
fn a_cycle_in_the_tree_is_refused_without_looping() {
    let mut editor = empty(5);
    editor.create_key("A\\B").unwrap();
    let a = editor.existing_key("A").unwrap();
    let b = editor.existing_key("A\\B").unwrap();
    editor
        .insert_subkey(b, a, &StoredName::encode("A"))
        .unwrap();
    let err = editor.delete_key("A").unwrap_err();
    assert!(err.to_string().contains("reachable twice"), "{err}");
}

#[test]
fn offsets_that_miss_a_cell_are_format_errors_with_the_offset() {
    let mut editor = empty(5);
    editor.create_key("A").unwrap();
    let mut root = editor.key_node(editor.root).unwrap();
    root.subkeys_list += 4; // inside the list cell, not at its start
    editor.write_key_node(editor.root, &root).unwrap();
    match editor.create_key("B") {
        Err(EditError::Format(e)) => assert_eq!(e.offset, Some(file_offset(root.subkeys_list))),
        other => panic!("expected a format error, got {other:?}"),
    }
    assert!(Editor::open(&[0u8; 100]).is_err());
}

#[test]
fn an_index_root_listing_one_leaf_over_and_over_is_refused_early() {
    // 1200 subkeys make an ri of leaves of up to 500 entries. A crafted ri then lists the first
    // leaf 65535 times and the key claims as many subkeys as that adds up to: read whole, the
    // lists would be 30 million entries from a hive of a few hundred kilobytes.
    let mut editor = empty(5);
    for i in 0..1200u32 {
        editor.create_key(&format!("Parent\\k{i:04}")).unwrap();
    }
    let parent = editor.existing_key("Parent").unwrap();
    let mut node = editor.key_node(parent).unwrap();
    let ri = SubkeyList::parse(editor.heap.data(node.subkeys_list).unwrap(), 0).unwrap();
    let leaf = ri.entries[0].offset;
    let leaf_len = SubkeyList::parse(editor.heap.data(leaf).unwrap(), 0)
        .unwrap()
        .entries
        .len();
    let crafted = SubkeyList {
        kind: ListKind::IndexRoot,
        entries: vec![
            crate::hive::subkey_list::ListEntry {
                offset: leaf,
                hint_or_hash: 0,
            };
            usize::from(u16::MAX)
        ],
    };
    node.subkeys_list = editor.heap.alloc(&crafted.encode()).unwrap();
    node.subkey_count = u32::from(u16::MAX) * leaf_len as u32;
    editor.write_key_node(parent, &node).unwrap();

    let error = editor.subkey_names("Parent").unwrap_err().to_string();
    assert!(error.contains("subkeys, its lists hold"), "{error}");
    // The raw reader of key times walks the same lists.
    let image = editor.finish();
    let times = crate::hive::key_times::KeyTimes::new(&image).unwrap();
    let error = times.subkey_times("Parent").unwrap_err().to_string();
    assert!(
        error.contains("hold more keys than the hive can"),
        "{error}"
    );
}

#[test]
fn a_value_whose_data_is_its_own_values_list_is_refused_unchanged() {
    // Damage points a value's data at the key's values list: deleting or replacing the value
    // would free the list that is still in use.
    let mut editor = empty(5);
    editor.create_key("K").unwrap();
    editor.set_value("K", "A", REG_BINARY, &[1; 8]).unwrap();
    editor.set_value("K", "B", REG_BINARY, &[2; 8]).unwrap();
    let key = editor.existing_key("K").unwrap();
    let node = editor.key_node(key).unwrap();
    let value = editor.value_offsets(&node).unwrap()[0];
    let (mut vk, _) =
        crate::hive::key_value::KeyValue::parse(editor.heap.data(value).unwrap(), 0).unwrap();
    vk.data_offset = node.values_list;
    vk.write_header(editor.heap.data_mut(value).unwrap());
    let before = editor.heap.allocated_cells();

    let delete = editor.delete_value("K", "A").unwrap_err().to_string();
    assert!(delete.contains("used twice"), "{delete}");
    let replace = editor
        .set_value("K", "A", REG_BINARY, &[3; 64])
        .unwrap_err()
        .to_string();
    assert!(replace.contains("used twice"), "{replace}");
    assert_eq!(editor.heap.allocated_cells(), before, "nothing was freed");
    assert_eq!(editor.value("K", "B").unwrap().unwrap().data, [2; 8]);
}

/// The reference counts of every sk cell on the list, by descriptor, after checking that the
/// list is closed both ways.
fn security_counts(editor: &Editor) -> Vec<(Vec<u8>, u32)> {
    let start = editor.key_node(editor.root).unwrap().security;
    let mut counts = Vec::new();
    let mut offset = start;
    loop {
        let (sk, descriptor) = editor.key_security(offset).unwrap();
        assert_eq!(editor.key_security(sk.flink).unwrap().0.blink, offset);
        counts.push((descriptor.to_vec(), sk.reference_count));
        offset = sk.flink;
        if offset == start {
            return counts;
        }
    }
}

#[test]
fn descriptors_are_shared_by_content_with_exact_counts() {
    let mut editor = empty(5);
    let root = editor.root_key();
    let names: Vec<StoredName> = ["a", "b", "c"].map(StoredName::encode).to_vec();
    let keys = editor.create_subkeys(root, &names).unwrap();
    let default = DEFAULT_SECURITY_DESCRIPTOR.to_vec();
    assert_eq!(security_counts(&editor), vec![(default.clone(), 4)]);
    let mut other = default.clone();
    other[0x20] = 0x1f;
    editor.set_security(keys[0], &other).unwrap();
    editor.set_security(keys[2], &other).unwrap();
    assert_eq!(
        security_counts(&editor),
        vec![(default.clone(), 2), (other.clone(), 2)]
    );
    // The root moving away and back: the last reference frees the cell, a new one is made.
    editor.set_security(root, &other).unwrap();
    editor.set_security(keys[1], &other).unwrap();
    assert_eq!(security_counts(&editor), vec![(other.clone(), 4)]);
    editor.set_security(root, &default).unwrap();
    let mut counts = security_counts(&editor);
    counts.sort();
    let mut expected = vec![(default, 1), (other, 3)];
    expected.sort();
    assert_eq!(counts, expected);
    editor.heap.assert_consistent();
    walk(&editor.finish());
}

/// nt-hive reads every key and value of `image`, finding each subkey by binary search.
fn walk(image: &[u8]) {
    let hive = nt_hive::Hive::new(image).unwrap();
    let mut stack = vec![hive.root_key_node().unwrap()];
    while let Some(key) = stack.pop() {
        if let Some(values) = key.values() {
            for value in values.unwrap() {
                value.unwrap().data().unwrap().into_vec().unwrap();
            }
        }
        if let Some(subkeys) = key.subkeys() {
            for child in subkeys.unwrap() {
                let child = child.unwrap();
                let name = child.name().unwrap().to_string_lossy();
                assert!(key.subkey(&name).unwrap().is_ok());
                stack.push(child);
            }
        }
    }
}

#[test]
fn subkeys_and_values_made_in_one_go_are_sorted_and_checked() {
    // 1.4: fast leaves and big data (nt-hive reads data past one segment as big data only).
    let mut editor = empty(4);
    let root = editor.root_key();
    let names: Vec<StoredName> = (0..1100)
        .rev()
        .map(|i| StoredName::encode(&format!("k{i:04}")))
        .collect();
    let keys = editor.create_subkeys(root, &names).unwrap();
    assert_eq!(list_kind(&editor, ""), Some(ListKind::IndexRoot));
    assert_eq!(editor.subkey_names("").unwrap()[0], "k0000");
    let name = StoredName::encode("Big");
    let data = vec![7u8; 3 * SEGMENT_SIZE];
    let values = [NewValue {
        name: &name,
        data_type: REG_BINARY,
        data: &data,
    }];
    editor.add_values(keys[0], &values).unwrap();
    assert_eq!(editor.value("k1099", "big").unwrap().unwrap().data, data);
    // Refused without a change: a second go, duplicate names, a key that has subkeys.
    assert!(editor.add_values(keys[0], &values).is_err());
    let twice = [values[0], values[0]];
    assert!(editor.add_values(keys[1], &twice).is_err());
    assert!(editor.value_names("k1098").unwrap().is_empty());
    let dup = [StoredName::encode("x"), StoredName::encode("X")];
    assert!(editor.create_subkeys(keys[1], &dup).is_err());
    assert!(
        editor
            .create_subkeys(root, &[StoredName::encode("y")])
            .is_err()
    );
    assert!(
        editor
            .create_subkeys(keys[1], &[StoredName::encode("a\\b")])
            .is_err()
    );
    editor.set_class_name(keys[1], b"c\0").unwrap();
    editor.heap.assert_consistent();
    walk(&editor.finish());
}
