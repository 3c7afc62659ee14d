use super::*;
use crate::hive::builder::{KeySpec, ValueSpec, build_hive};
use crate::hive::key_node::KEY_COMP_NAME;

/// Everything a salvage must keep of each key, as lines: path, flags (without the name form),
/// access bits, user flag bits, last written time, class name, descriptor, and every value.
fn describe(bytes: &[u8]) -> Vec<String> {
    let base = BaseBlock::parse(bytes).unwrap();
    let bins = &bytes[BASE_BLOCK_SIZE..BASE_BLOCK_SIZE + base.bins_size as usize];
    let mut input = Input::new(InputCells::new(bins), base.minor_version);
    let mut lines = Vec::new();
    let mut stack = vec![(input.key(base.root_cell_offset).unwrap(), String::new())];
    while let Some((key, path)) = stack.pop() {
        let node = &key.node;
        let class = input.class_name(&key).unwrap().unwrap_or_default();
        let descriptor = input.security(&key).unwrap();
        lines.push(format!(
            "K {path} flags={:#x} access={:#x} user={:#x} time={:#x} class={} sd={}",
            node.flags & !KEY_COMP_NAME,
            node.access_bits,
            node.max_subkey_name & !MAX_SUBKEY_NAME_MASK,
            node.last_written,
            crate::hive::value::hex(&class),
            crate::hive::value::hex(descriptor),
        ));
        for offset in input.value_offsets(&key).unwrap() {
            let value = input.value(offset).unwrap();
            lines.push(format!(
                "V {path} {:?}{} type={:#x} data={}",
                value.name.bytes,
                value.name.compressed,
                value.data_type,
                crate::hive::image::sha256_hex(&value.data)
            ));
        }
        let (offsets, errors) = input.subkey_offsets(&key);
        assert!(errors.is_empty(), "{path}: {errors:?}");
        let mut children: Vec<InputKey> =
            offsets.into_iter().map(|o| input.key(o).unwrap()).collect();
        children.sort_by(|a, b| b.name.as_nt().cmp(&a.name.as_nt()));
        for child in children {
            let child_path = join(&path, &display(&child.name));
            stack.push((child, child_path));
        }
    }
    lines
}

fn bundled(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/hives/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The salvaged image of a whole hive keeps everything, drops nothing, and salvaging it again
/// lays out the same bins.
fn assert_salvaged_whole(bytes: &[u8]) {
    let salvaged = salvage(bytes).unwrap();
    assert_eq!(salvaged.dropped, Vec::new());
    assert_eq!(describe(bytes), describe(&salvaged.bytes));
    Editor::open(&salvaged.bytes).unwrap();
    let again = salvage(&salvaged.bytes).unwrap();
    assert!(again.dropped.is_empty());
    assert_eq!(
        again.bytes[BASE_BLOCK_SIZE..],
        salvaged.bytes[BASE_BLOCK_SIZE..]
    );
    let base = BaseBlock::parse(bytes).unwrap();
    let out = BaseBlock::parse(&salvaged.bytes).unwrap();
    assert_eq!(out.minor_version, base.minor_version);
    assert_eq!(out.timestamp, base.timestamp);
    assert!(out.primary_sequence > base.primary_sequence.max(base.secondary_sequence));
}

#[test]
fn bundled_hives_are_salvaged_whole() {
    for name in ["win10-x64.hive", "win10-x64-lsp.hive", "winxp-sp3-x86.hive"] {
        assert_salvaged_whole(&bundled(name));
    }
}

#[test]
fn the_nt4_hive_is_salvaged_whole_with_classes_and_descriptors() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/hives/real/nt4-sp3-x86-dc/SYSTEM"
    );
    let Ok(bytes) = std::fs::read(path) else {
        eprintln!("\n!!!!! SKIPPED: {path} not found !!!!!\n");
        return;
    };
    let lines = describe(&bytes);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("K ") && !l.contains("class= "))
    );
    assert_salvaged_whole(&bytes);
}

/// Hives of format 1.3 and 1.5 with a big value and a key with more subkeys than one leaf holds,
/// and a key with a UTF-16 stored name of Latin-1 characters, its own descriptor, a class name,
/// flags and a last written time: all kept.
#[test]
fn stored_forms_big_data_attributes_and_version_are_kept() {
    for minor in [3, 5] {
        let spec = KeySpec {
            name: "ROOT".into(),
            values: vec![ValueSpec {
                name: "Big".into(),
                data_type: 3,
                data: (0..40_000u32).map(|i| i as u8).collect(),
            }],
            subkeys: (0..1200)
                .map(|i| KeySpec {
                    name: format!("Key{i:04}"),
                    ..KeySpec::default()
                })
                .collect(),
        };
        assert_salvaged_whole(&build_hive(minor, &spec, 0x01d0_0000_0000_0000).unwrap());

        let mut editor = Editor::with_root(
            minor,
            &StoredName::encode("R"),
            &DEFAULT_SECURITY_DESCRIPTOR,
        )
        .unwrap();
        let wide = StoredName {
            bytes: "Wide".encode_utf16().flat_map(u16::to_le_bytes).collect(),
            compressed: false,
        };
        let root = editor.root_key();
        let made = editor.create_subkeys(root, &[wide]).unwrap();
        let mut other_sd = DEFAULT_SECURITY_DESCRIPTOR.to_vec();
        other_sd[0x20] = 0x1f; // another access mask in the first ACE
        editor.set_security(made[0], &other_sd).unwrap();
        editor.set_class_name(made[0], b"C\0l\0").unwrap();
        editor.set_flags(made[0], 0x18, 2, 0x0010_0000).unwrap();
        editor.set_last_written(made[0], 42).unwrap();
        let bytes = editor.finish();
        assert_salvaged_whole(&bytes);
        let lines = describe(&salvage(&bytes).unwrap().bytes);
        let expected = "K Wide flags=0x18 access=0x2 user=0x100000 time=0x2a class=43006c00 sd=";
        assert!(lines.iter().any(|l| l.starts_with(expected)), "{lines:#?}");
        assert!(
            lines.iter().any(
                |l| l.starts_with("K Wide") && l.ends_with(&crate::hive::value::hex(&other_sd))
            )
        );
    }
}
