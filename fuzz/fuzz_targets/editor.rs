//! Apply an arbitrary list of edits to a hive through the editor. Whenever every edit returned
//! Ok, the finished image must be a valid hive for nt-hive's validating `Hive::new`, and if
//! nt-hive could read the whole input tree, it must read the whole output tree too.
//!
//! Input: a hive (its base block's bins size says where it ends) followed by the edit script,
//! so a plain hive file is a seed; an input not starting with `regf` is an edit script for one
//! of the builder's hives (its first byte chooses which).
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use nt_hive::Hive;
use winsock_doctor::hive::editor::{EditError, Editor};
use winsock_doctor::hive::image::HiveImage;
use winsock_doctor_fuzz::{built_hives, walk_nt_hive};

/// Names present in the builder's hives, so that edits meet existing keys and values.
const NAMES: [&str; 12] = [
    "Select",
    "ControlSet001",
    "Services",
    "WinSock2",
    "Parameters",
    "Protocol_Catalog9",
    "Catalog_Entries",
    "000000000001",
    "000000000002",
    "PackedCatalogItem",
    "Current",
    "",
];

#[derive(Debug, Arbitrary)]
enum Name {
    Known(u8),
    Other(String),
}

impl Name {
    fn text(&self) -> &str {
        match self {
            Name::Known(i) => NAMES[usize::from(*i) % NAMES.len()],
            Name::Other(name) => name,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct KeyPath(Vec<Name>);

impl KeyPath {
    fn text(&self) -> String {
        let names: Vec<&str> = self.0.iter().map(Name::text).collect();
        names.join("\\")
    }
}

#[derive(Debug, Arbitrary)]
enum Edit {
    CreateKey(KeyPath),
    DeleteKey(KeyPath),
    SetValue {
        key: KeyPath,
        name: Name,
        data_type: u32,
        /// Repeat `data` this many times (up to 64): big-data values need over 16 KB.
        repeat: u16,
        data: Vec<u8>,
    },
    DeleteValue {
        key: KeyPath,
        name: Name,
    },
}

fn apply(editor: &mut Editor, edit: &Edit) -> Result<(), EditError> {
    match edit {
        Edit::CreateKey(path) => editor.create_key(&path.text()),
        Edit::DeleteKey(path) => editor.delete_key(&path.text()).map(drop),
        Edit::SetValue {
            key,
            name,
            data_type,
            repeat,
            data,
        } => {
            let data = data.repeat(usize::from(*repeat % 64) + 1);
            editor.set_value(&key.text(), name.text(), *data_type, &data)
        }
        Edit::DeleteValue { key, name } => editor.delete_value(&key.text(), name.text()).map(drop),
    }
}

/// The hive and the script bytes of an input.
fn split(data: &[u8]) -> Option<(&[u8], &[u8])> {
    if !data.starts_with(b"regf") {
        let (choice, script) = data.split_first()?;
        let hives = built_hives();
        return Some((&hives[usize::from(*choice) % hives.len()], script));
    }
    let bins_size = u32::from_le_bytes(data.get(0x28..0x2C)?.try_into().ok()?);
    let end = 4096usize.checked_add(bins_size as usize)?.min(data.len());
    Some(data.split_at(end))
}

/// Whether nt-hive reads the whole tree of `bytes` without an error.
fn reads_cleanly(bytes: &[u8]) -> Result<(), String> {
    let image = HiveImage::from_vec(bytes.to_vec()).map_err(|e| e.to_string())?;
    let hive = image.nt_hive().map_err(|e| e.to_string())?;
    walk_nt_hive(&hive, image.hive_bytes().len()).map(drop)
}

fuzz_target!(
    // Built once before fuzzing starts, so that the time is not charged to one input.
    init: {
        winsock_doctor::hive::panic_guard::quiet_contained_panics();
        built_hives();
    },
    |data: &[u8]| {
    let Some((hive, script)) = split(data) else {
        return;
    };
    let Ok(edits) = Vec::<Edit>::arbitrary_take_rest(Unstructured::new(script)) else {
        return;
    };
    let Ok(mut editor) = Editor::open(hive) else {
        return;
    };
    for edit in &edits {
        match apply(&mut editor, edit) {
            Ok(()) => {}
            // Refused before anything changed: the editor is still sound.
            Err(
                EditError::KeyNotFound(_)
                | EditError::InvalidName { .. }
                | EditError::RootKey
                | EditError::NoDelete(_)
                | EditError::SharedCell { .. },
            ) => {}
            // Possibly half applied: the editor must be dropped.
            Err(EditError::Format(_) | EditError::Limit(_)) => return,
        }
    }
    let output = editor.finish();
    if let Err(e) = Hive::new(&output[..]) {
        panic!("the editor wrote a hive nt-hive refuses: {e}");
    }
    if reads_cleanly(hive).is_ok()
        && let Err(e) = reads_cleanly(&output)
    {
        panic!("the input read cleanly, the output does not: {e}");
    }
    }
);
