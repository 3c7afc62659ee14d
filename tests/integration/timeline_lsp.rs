//! The timeline shows when an LSP was installed: a copy of a real hive gets a layered entry and
//! its protocol chain at a known time (through the editor, which stamps the keys it writes), and
//! the CSV, the bodyfile and `scan --json` carry that time for exactly those keys.

use crate::common;

use std::fs;

use assert_cmd::Command;
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::filetime::filetime_from_rfc3339;
use winsock_doctor::winsock::packed_item::PackedCatalogItem;

const INSTALLED: &str = "2024-03-05T06:07:08.1234567Z";
const ENTRIES: &str =
    r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries";
const REG_BINARY: u32 = 3;
const REG_DWORD: u32 = 4;

fn an_lsp_installed_at_a_known_time_shows_that_time() {
    let Some(bytes) = common::read_hive("real/winxp-sp3-x86-m57/SYSTEM") else {
        return;
    };
    let when = filetime_from_rfc3339(INSTALLED).unwrap();
    let mut editor = Editor::open(&bytes).unwrap();
    editor.set_timestamp(when);
    let names = editor.subkey_names(ENTRIES).unwrap();
    let first = format!(r"{ENTRIES}\{}", names[0]);
    let base = match editor.value(&first, "PackedCatalogItem").unwrap() {
        Some(v) => PackedCatalogItem::decode(&v.data).unwrap(),
        None => panic!("no PackedCatalogItem in {first}"),
    };
    let layered = PackedCatalogItem {
        library_path: r"%SystemRoot%\system32\evil-lsp.dll".to_string(),
        catalog_entry_id: 5001,
        chain_len: 0,
        chain: Vec::new(),
        sz_protocol: "Evil LSP".to_string(),
        ..base.clone()
    };
    let chained = PackedCatalogItem {
        library_path: layered.library_path.clone(),
        catalog_entry_id: 5002,
        chain_len: 2,
        chain: vec![5001, base.catalog_entry_id],
        sz_protocol: "Evil LSP over TCP".to_string(),
        ..base
    };
    // Entry keys are numbered from 1, as Windows numbers them: the next two numbers.
    let key = |n: usize| format!(r"{ENTRIES}\{n:012}");
    let added = [
        (key(names.len() + 1), layered),
        (key(names.len() + 2), chained),
    ];
    for (key, item) in &added {
        editor.create_key(key).unwrap();
        editor
            .set_value(
                key,
                "PackedCatalogItem",
                REG_BINARY,
                &item.encode().unwrap(),
            )
            .unwrap();
    }
    // Winsock loads only Num_Catalog_Entries entries: count the new ones in, as installers do.
    let catalog = ENTRIES.rsplit_once('\\').unwrap().0;
    let count = u32::try_from(names.len() + added.len()).unwrap();
    editor
        .set_value(
            catalog,
            "Num_Catalog_Entries",
            REG_DWORD,
            &count.to_le_bytes(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SYSTEM");
    fs::write(&hive, editor.finish()).unwrap();

    let run = |args: &[&str]| {
        let out = Command::cargo_bin("winsock-doctor")
            .unwrap()
            .args(args)
            .arg(&hive)
            .output()
            .unwrap();
        assert!(out.status.code().is_some_and(|c| c <= 1), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };

    let csv = run(&["timeline", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let at_install: Vec<&str> = rows
        .iter()
        .filter(|r| &r[0] == INSTALLED)
        .map(|r| r.get(2).unwrap())
        .collect();
    for (key, _) in &added {
        let full = format!(r"HKLM\SYSTEM\{key}");
        assert!(
            at_install.contains(&full.as_str()),
            "{full}: {at_install:?}"
        );
    }
    // The list key gained subkeys and the catalog key a new count: both are stamped too;
    // nothing else was touched.
    assert!(at_install.contains(&format!(r"HKLM\SYSTEM\{ENTRIES}").as_str()));
    assert!(at_install.contains(&format!(r"HKLM\SYSTEM\{catalog}").as_str()));
    assert_eq!(at_install.len(), 4, "{at_install:?}");
    let lsp_row = rows.iter().find(|r| r[2].ends_with(&added[1].0)).unwrap();
    assert!(
        lsp_row[4].contains("evil-lsp.dll") && lsp_row[4].contains("5002"),
        "{lsp_row:?}"
    );
    assert!(rows.iter().all(|r| &r[1] == "Key Last Written"));

    // Seconds since 1970, independently of the crate's FILETIME arithmetic.
    let unix = INSTALLED.parse::<jiff::Timestamp>().unwrap().as_second();
    let body = run(&["timeline", "--format", "bodyfile"]);
    for (key, _) in &added {
        let line = body
            .lines()
            .find(|l| l.contains(key.as_str()))
            .unwrap_or_else(|| panic!("{key} in the bodyfile"));
        let fields: Vec<&str> = line.split('|').collect();
        assert_eq!(fields.len(), 11, "{line}");
        assert_eq!(fields[8], unix.to_string(), "mtime: {line}");
        assert_eq!([fields[7], fields[9], fields[10]], ["0", "0", "0"]);
    }

    let catalog: Value = serde_json::from_str(&run(&["catalog", "--json"])).unwrap();
    let text = catalog.to_string();
    assert_eq!(
        text.matches(INSTALLED).count(),
        2,
        "last_written of both new entries"
    );
    let scan: Value = serde_json::from_str(&run(&["scan", "--json"])).unwrap();
    let lsp = &scan["lsps"][0];
    assert_eq!(lsp["layered_entry"]["last_written"], INSTALLED, "{lsp:#}");
    assert_eq!(lsp["chains"][0]["last_written"], INSTALLED, "{lsp:#}");
}

common::registry::register_tests! {
    Hives: [
        an_lsp_installed_at_a_known_time_shows_that_time,
    ],
}
