//! Random edit sequences applied to an empty hive and to copies of real hives: after `finish`, an
//! independent reader (nt-hive) must see exactly the tree a plain in-memory model predicts.

use crate::common;

use common::{HiveModel, KeyModel, join, upper, walk_with_nt_hive};
use proptest::prelude::*;
use winsock_doctor::hive::base_block::BaseBlock;
use winsock_doctor::hive::builder::DEFAULT_SECURITY_DESCRIPTOR;
use winsock_doctor::hive::editor::{EditError, Editor};

/// Names with case variants, characters whose uppercase differs from their lowercase, characters
/// without case, and '_' (which sorts between 'Z' and 'a').
const NAMES: &[&str] = &[
    "alpha", "ALPHA", "Beta", "beta", "_x", "Zeta", "a_b", "A_B", "é", "É", "Ключ", "ключ", "中文",
    "ß", "Ω", "ω",
];

#[derive(Debug, Clone)]
enum Op {
    CreateKey(Vec<String>),
    DeleteKey(Vec<String>),
    SetValue {
        key: Vec<String>,
        name: String,
        data_type: u32,
        len: usize,
        seed: u8,
    },
    DeleteValue {
        key: Vec<String>,
        name: String,
    },
    /// Create this many subkeys under the key: leaves split under an index root.
    ManySubkeys(Vec<String>, usize),
}

fn path_strategy(names: Vec<String>) -> impl Strategy<Value = Vec<String>> + Clone {
    prop::collection::vec(prop::sample::select(names), 1..=3)
}

fn op_strategy(names: Vec<String>) -> impl Strategy<Value = Op> {
    let path = path_strategy(names.clone());
    let value_name = prop::sample::select(vec!["", "v", "V", "wert", "Größe", "значение"])
        .prop_map(String::from);
    let len = prop_oneof![
        Just(0usize),
        1..=4usize,
        5..=300usize,
        Just(16344usize),
        16345..=40000usize
    ];
    prop_oneof![
        8 => path.clone().prop_map(Op::CreateKey),
        4 => path.clone().prop_map(Op::DeleteKey),
        8 => (path.clone(), value_name.clone(), 0..=11u32, len, any::<u8>())
            .prop_map(|(key, name, data_type, len, seed)| Op::SetValue { key, name, data_type, len, seed }),
        4 => (path.clone(), value_name).prop_map(|(key, name)| Op::DeleteValue { key, name }),
        1 => (path, 501..560usize).prop_map(|(key, n)| Op::ManySubkeys(key, n)),
    ]
}

fn data(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_add((i % 251) as u8))
        .collect()
}

/// Apply `ops` under `base` (a key path, "" = root) to the editor and to the model, checking that
/// the editor's answers match the model's.
fn apply(editor: &mut Editor, model: &mut HiveModel, base: &str, ops: &[Op]) {
    let full = |names: &[String]| names.iter().fold(base.to_string(), |p, n| join(&p, n));
    // nt-hive reads any value above 16344 bytes as big data, which 1.3 hives do not have.
    let max_len = if editor.minor_version() < 4 {
        16344
    } else {
        usize::MAX
    };
    for op in ops {
        match op {
            Op::CreateKey(names) => {
                editor.create_key(&full(names)).unwrap();
                create_in_model(model, base, names);
            }
            Op::ManySubkeys(names, count) => {
                for i in 0..*count {
                    let mut child = names.clone();
                    child.push(format!("m{}", (i * 7919) % count));
                    editor.create_key(&full(&child)).unwrap();
                    create_in_model(model, base, &child);
                }
            }
            Op::DeleteKey(names) => {
                let path = upper(&full(names));
                let existed = model.contains_key(&path);
                assert_eq!(
                    editor.delete_key(&full(names)).unwrap(),
                    existed,
                    "delete {path}"
                );
                model.retain(|p, _| !(*p == path || p.starts_with(&format!("{path}\\"))));
            }
            Op::SetValue {
                key,
                name,
                data_type,
                len,
                seed,
            } => {
                let bytes = data((*len).min(max_len), *seed);
                let result = editor.set_value(&full(key), name, *data_type, &bytes);
                match model.get_mut(&upper(&full(key))) {
                    Some(k) => {
                        result.unwrap();
                        let stored = k
                            .values
                            .get(&upper(name))
                            .map_or(name.clone(), |v| v.0.clone());
                        k.values.insert(upper(name), (stored, *data_type, bytes));
                    }
                    None => assert!(
                        matches!(result, Err(EditError::KeyNotFound(_))),
                        "{result:?}"
                    ),
                }
            }
            Op::DeleteValue { key, name } => {
                let removed = model
                    .get_mut(&upper(&full(key)))
                    .and_then(|k| k.values.remove(&upper(name)));
                assert_eq!(
                    editor.delete_value(&full(key), name).unwrap(),
                    removed.is_some()
                );
            }
        }
    }
}

fn create_in_model(model: &mut HiveModel, base: &str, names: &[String]) {
    let mut path = upper(base);
    for name in names {
        path = join(&path, &upper(name));
        model.entry(path.clone()).or_insert_with(|| KeyModel {
            name: name.clone(),
            ..KeyModel::default()
        });
    }
}

/// Edit a copy of `input` and compare the result with the model.
fn check(input: &[u8], before: &HiveModel, base: &str, ops: &[Op]) -> Vec<u8> {
    let mut editor = Editor::open(input).unwrap();
    let mut expected = before.clone();
    apply(&mut editor, &mut expected, base, ops);
    editor.set_timestamp(0x01d9_0000_0000_0000);
    let output = editor.finish();
    let input_base = BaseBlock::parse(input).unwrap();
    let base_block = BaseBlock::parse(&output).unwrap();
    assert!(!base_block.is_dirty());
    assert!(
        base_block.primary_sequence
            > input_base
                .primary_sequence
                .max(input_base.secondary_sequence)
    );
    assert_eq!(base_block.minor_version, input_base.minor_version);
    assert_eq!(
        output.len(),
        4096 + base_block.bins_size as usize,
        "no trailing bytes"
    );
    let after = walk_with_nt_hive(&output);
    if after != expected {
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !after.contains_key(*k))
            .take(5)
            .collect();
        let extra: Vec<_> = after
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .take(5)
            .collect();
        let differ: Vec<_> = after
            .iter()
            .filter(|(k, v)| expected.get(*k).is_some_and(|e| e != *v))
            .map(|(k, _)| k)
            .take(5)
            .collect();
        panic!(
            "the hive differs from the model: missing {missing:?}, extra {extra:?}, different {differ:?}"
        );
    }
    Editor::open(&output).expect("the output opens again");
    output
}

fn names_with(extra: &[&str]) -> Vec<String> {
    NAMES.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn random_edits_of_an_empty_hive_match_the_model() {
    let cases = (
        3..=6u32,
        prop::collection::vec(op_strategy(names_with(&[])), 1..40),
    );
    common::property::check(32, cases, |(minor, ops)| {
        let input = Editor::new_empty(minor, "ROOT", &DEFAULT_SECURITY_DESCRIPTOR)
            .unwrap()
            .finish();
        let before = walk_with_nt_hive(&input);
        let output = check(&input, &before, "", &ops);
        // Deterministic: the same edits give the same bytes.
        let mut again = Editor::open(&input).unwrap();
        apply(&mut again, &mut before.clone(), "", &ops);
        again.set_timestamp(0x01d9_0000_0000_0000);
        prop_assert_eq!(again.finish(), output);
        Ok(())
    });
}

/// Run random edit sequences under `base` of the hive at `relative`.
fn real_hive(relative: &str, base: &str, extra_names: &[&str], cases: u32) {
    let Some(input) = common::read_hive(relative) else {
        return;
    };
    let before = walk_with_nt_hive(&input);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let ops = prop::collection::vec(op_strategy(names_with(extra_names)), 1..30);
    proptest::test_runner::TestRunner::new(config)
        .run(&ops, |ops| {
            check(&input, &before, base, &ops);
            Ok(())
        })
        .unwrap();
}

const WINSOCK: &str = "ControlSet001\\Services\\WinSock2";
const WINSOCK_NAMES: &[&str] = &[
    "Parameters",
    "Protocol_Catalog9",
    "NameSpace_Catalog5",
    "Catalog_Entries",
    "000000000001",
    "000000000002",
];

fn random_edits_of_the_xp_hive_match_the_model() {
    real_hive("real/winxp-sp3-x86-m57/SYSTEM", WINSOCK, WINSOCK_NAMES, 8);
}

fn random_edits_of_the_windows7_hive_match_the_model() {
    real_hive("real/win7-sp1-x86/SYSTEM", WINSOCK, WINSOCK_NAMES, 6);
}

fn random_edits_of_a_key_with_an_index_root_match_the_model() {
    real_hive(
        "zoo/ManySubkeysHive",
        "",
        &[
            "key_with_many_subkeys",
            "KEY_WITH_MANY_SUBKEYS",
            "1",
            "1000",
            "2500",
            "4999",
        ],
        16,
    );
}

fn random_edits_of_a_hive_with_big_data_match_the_model() {
    real_hive("zoo/BigDataHive", "", &["key_with_bigdata"], 32);
}

fn random_edits_of_a_hive_with_unicode_names_match_the_model() {
    real_hive("zoo/UnicodeHive", "", &["Привет", "ПРИВЕТ", "Ключ"], 32);
}

common::registry::register_tests! {
    Nothing: [
        random_edits_of_an_empty_hive_match_the_model,
    ],
    Hives: [
        random_edits_of_the_xp_hive_match_the_model,
        random_edits_of_the_windows7_hive_match_the_model,
        random_edits_of_a_key_with_an_index_root_match_the_model,
        random_edits_of_a_hive_with_big_data_match_the_model,
        random_edits_of_a_hive_with_unicode_names_match_the_model,
    ],
}
