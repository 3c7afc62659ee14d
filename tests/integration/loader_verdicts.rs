//! `scan` judges the catalog values the way ws2_32's loader reads them (ReactOS dcatalog.c,
//! nscatalo.c, nscatent.c, wsautil.c; docs/findings.md cites each), on copies of real hives
//! edited in the test; the repair the finding names fixes it.

use crate::common;

use std::path::Path;

use common::cli::{findings_of, text};
use common::patchable::{NS, PARAMS, PROTO, WIN7, XP, copy, entry};
use common::repair::{assert_healthy, assert_written_hive_ok, keys_changed_by, repair, scan};
use serde_json::Value;
use winsock_doctor::hive::editor::Editor;

const REG_EXPAND_SZ: u32 = 2;
const REG_DWORD: u32 = 4;
const REG_QWORD: u32 = 11;

fn rel(path: &str) -> String {
    path.trim_start_matches(r"ControlSet001\").to_string()
}

/// The one finding of `code` at `key` (and `value`), after asserting the scan is unhealthy.
fn finding(doc: &Value, code: &str, key: &str, value: Option<&str>) -> Value {
    findings_of(doc, code)
        .into_iter()
        .find(|f| f["key"] == key && value.is_none_or(|v| f["value"] == v))
        .cloned()
        .unwrap_or_else(|| panic!("no {code} at {key} {value:?}: {:#}", doc["findings"]))
}

/// Scan, expect `code` at `key` with `severity`; returns the finding.
fn expect(path: &Path, code: &str, key: &str, value: Option<&str>, severity: &str) -> Value {
    let (exit, doc) = scan(path);
    assert_eq!(exit, 1, "{:#}", doc["findings"]);
    let found = finding(&doc, code, key, value);
    assert_eq!(found["severity"], severity, "{found:#}");
    found
}

/// Run the repair the finding names and check the output is healthy and sound.
fn repaired_as_named(input: &Path, found: &Value) {
    let hint = &found["repair"];
    let mut args: Vec<String> = Vec::new();
    if let Some(mode) = hint["mode"].as_str() {
        args.extend(["--mode".into(), mode.into()]);
    }
    args.extend(
        hint["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().unwrap().to_string()),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = input.with_file_name("SYSTEM.repaired");
    let report = repair(input, &out, &args);
    assert_eq!(report["verification"]["healthy"], true, "{report:#}");
    assert_healthy(&out);
    assert_written_hive_ok(input, &out, &keys_changed_by(&args));
}

/// Edit the saved copy with the hive editor (values of another size or type).
fn edit(path: &Path, change: impl FnOnce(&mut Editor)) {
    let mut editor = Editor::open(&std::fs::read(path).unwrap()).unwrap();
    change(&mut editor);
    std::fs::write(path, editor.finish()).unwrap();
}

/// Serial_Access_Num 0 makes the loader read `catalog` as empty: critical, and the repair the
/// finding names fixes it. The finding, or `None` when the hives are absent.
fn serial_access_num_0_empties(catalog: &str) -> Option<Value> {
    let mut hive = copy(WIN7)?;
    hive.set_dword(catalog, "Serial_Access_Num", 0);
    let path = hive.save();
    let found = expect(
        path,
        "catalog_empty_by_serial",
        &rel(catalog),
        Some("Serial_Access_Num"),
        "critical",
    );
    repaired_as_named(path, &found);
    Some(found)
}

fn serial_access_num_0_empties_the_protocol_catalog() {
    if let Some(found) = serial_access_num_0_empties(PROTO) {
        assert!(found["evidence"]["loader"].is_string());
        assert_eq!(found["repair"]["mode"], "fix");
    }
}

fn serial_access_num_0_empties_the_namespace_catalog() {
    serial_access_num_0_empties(NS);
}

fn current_protocol_catalog_of_another_type_than_reg_sz_fails_the_loader() {
    let Some(mut hive) = copy(XP) else { return };
    hive.set_value_type(PARAMS, "Current_Protocol_Catalog", REG_EXPAND_SZ);
    let path = hive.save();
    let found = expect(
        path,
        "catalog_value_invalid",
        &rel(PARAMS),
        Some("Current_Protocol_Catalog"),
        "critical",
    );
    assert!(found["message"].as_str().unwrap().contains("REG_EXPAND_SZ"));
    repaired_as_named(path, &found);
}

fn missing_current_protocol_catalog_stays_critical() {
    let Some(mut hive) = copy(XP) else { return };
    hive.rename_value(
        PARAMS,
        "Current_Protocol_Catalog",
        "Current_Protocol_Catalox",
    );
    let found = expect(
        hive.save(),
        "catalog_key_missing",
        &rel(PARAMS),
        Some("Current_Protocol_Catalog"),
        "critical",
    );
    assert!(text(&found["evidence"]["loader"]).contains("No fallback"));
}

fn namespace_entry_without_stores_service_class_info_fails_the_namespace_catalog() {
    let Some(mut hive) = copy(WIN7) else { return };
    let key = format!(r"{NS}\Catalog_Entries\000000000002");
    hive.rename_value(&key, "StoresServiceClassInfo", "StoresServiceClassInfX");
    let path = hive.save();
    let found = expect(
        path,
        "namespace_entry_invalid",
        &rel(&key),
        None,
        "critical",
    );
    assert!(text(&found["message"]).contains("whole namespace catalog"));
    repaired_as_named(path, &found);
}

fn counts_longer_than_4_bytes_are_the_wrong_size_not_missing() {
    let Some(hive) = copy(XP) else { return };
    let path = hive.save().to_path_buf();
    edit(&path, |e| {
        e.set_value(
            PROTO,
            "Num_Catalog_Entries",
            REG_DWORD,
            &[9, 0, 0, 0, 0, 0, 0, 0],
        )
        .unwrap();
        e.set_value(
            PROTO,
            "Next_Catalog_Entry_ID",
            REG_QWORD,
            &1100u64.to_le_bytes(),
        )
        .unwrap();
    });
    for value in ["Num_Catalog_Entries", "Next_Catalog_Entry_ID"] {
        let found = expect(
            &path,
            "catalog_value_invalid",
            &rel(PROTO),
            Some(value),
            "critical",
        );
        assert!(found["message"].as_str().unwrap().contains("wrong size"));
        assert_eq!(found["evidence"]["length"], 8);
    }
    let (_, doc) = scan(&path);
    assert!(
        findings_of(&doc, "catalog_key_missing").is_empty(),
        "a value that is there is not missing: {:#}",
        doc["findings"]
    );
    let found = finding(
        &doc,
        "catalog_value_invalid",
        &rel(PROTO),
        Some("Num_Catalog_Entries"),
    );
    repaired_as_named(&path, &found);
}

fn serial_access_num_longer_than_4_bytes_is_rewritten_by_the_loader() {
    let Some(hive) = copy(XP) else { return };
    let path = hive.save().to_path_buf();
    edit(&path, |e| {
        e.set_value(PROTO, "Serial_Access_Num", REG_QWORD, &7u64.to_le_bytes())
            .unwrap();
    });
    let found = expect(
        &path,
        "catalog_value_invalid",
        &rel(PROTO),
        Some("Serial_Access_Num"),
        "warning",
    );
    assert!(found["message"].as_str().unwrap().contains("wrong size"));
    assert!(
        found["evidence"]["loader"]
            .as_str()
            .unwrap()
            .contains("Serial_Access_Num = 1")
    );
    repaired_as_named(&path, &found);
}

fn tolerated_problems_keep_their_flags_and_say_what_the_loader_does() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.set_dword(PROTO, "Num_Catalog_Entries", 23);
    let first = hive.packed_item(&entry("Catalog_Entries", 1)).id();
    let mut second = hive.packed_item(&entry("Catalog_Entries", 2));
    second.set_id(first);
    hive.set_packed_item(&entry("Catalog_Entries", 2), &second);
    hive.shorten_value(&entry("Catalog_Entries", 5), "PackedCatalogItem", 600);
    let path = hive.save();
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    for (code, key, severity, says) in [
        ("catalog_count_mismatch", list.clone(), "warning", "ignored"),
        ("catalog_id_conflict", list.clone(), "critical", "first"),
        (
            "truncated_catalog_item",
            rel(&entry("Catalog_Entries", 5)),
            "critical",
            "over-read",
        ),
        (
            "dormant_catalog_entry",
            format!(r"{list}\000000000024"),
            "warning",
            "never read",
        ),
    ] {
        let found = expect(path, code, &key, None, severity);
        let loader = found["evidence"]["loader"].as_str().unwrap_or_default();
        assert!(loader.contains(says), "{code}: {found:#}");
    }
}

common::registry::register_tests! {
    Hives: [
        serial_access_num_0_empties_the_protocol_catalog,
        serial_access_num_0_empties_the_namespace_catalog,
        current_protocol_catalog_of_another_type_than_reg_sz_fails_the_loader,
        missing_current_protocol_catalog_stays_critical,
        namespace_entry_without_stores_service_class_info_fails_the_namespace_catalog,
        counts_longer_than_4_bytes_are_the_wrong_size_not_missing,
        serial_access_num_longer_than_4_bytes_is_rewritten_by_the_loader,
        tolerated_problems_keep_their_flags_and_say_what_the_loader_does,
    ],
}
