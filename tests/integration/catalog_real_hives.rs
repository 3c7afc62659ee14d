//! `winsock-doctor catalog --json` on every real SYSTEM hive, checked against the facts in
//! manifest.json (decoded independently of this project).

use crate::common;

use common::cli::{array, assert_refused, doctor, json, success};
use serde_json::Value;

fn run_json(path: &std::path::Path, extra: &[&str]) -> Value {
    json(doctor().args(["catalog", "--json"]).args(extra).arg(path))
}

/// Manifest GUIDs are bare lower case; ours are braced upper case.
fn braced(guid: &Value) -> Value {
    Value::String(format!("{{{}}}", guid.as_str().unwrap().to_uppercase()))
}

/// Manifest flags are hex strings such as "0x20066".
fn hex_number(text: &Value) -> Value {
    let t = text.as_str().unwrap();
    Value::from(u64::from_str_radix(t.trim_start_matches("0x"), 16).unwrap())
}

fn list<'a>(doc: &'a Value, field: &str, name: &str) -> Option<&'a Value> {
    array(doc, field).iter().find(|l| l["name"] == name)
}

/// Every value named in `expected` (an object name -> data) is in `values` with that data.
fn assert_values(what: &str, values: &Value, expected: &Value) {
    let values = values.as_array().unwrap();
    for (name, data) in expected.as_object().unwrap() {
        let found = values
            .iter()
            .find(|v| v["name"].as_str().unwrap().eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("{what}: value {name} missing"));
        assert_eq!(&found["data"], data, "{what}: value {name}");
    }
    assert_eq!(
        values.len(),
        expected.as_object().unwrap().len(),
        "{what}: value count"
    );
}

fn entry_count(doc: &Value, field: &str, name: &str) -> Value {
    list(doc, field, name).map_or(Value::Null, |l| {
        Value::from(l["entries"].as_array().unwrap().len())
    })
}

fn check_hive(dir: &std::path::Path, hive: &Value) {
    let rel = hive["path"].as_str().unwrap();
    let path = dir.join(rel);
    let doc = run_json(&path, &[]);

    // The file as it is now (the manifest's sha256 describes the file as published).
    assert_eq!(doc["input"]["sha256"], common::sha256_of(&path), "{rel}");
    assert_eq!(
        doc["input"]["size"],
        std::fs::metadata(&path).unwrap().len(),
        "{rel}"
    );
    let base = &hive["baseblock"];
    assert_eq!(doc["hive"]["dirty"], base["dirty"], "{rel}");
    assert_eq!(doc["hive"]["primary_sequence"], base["seq1"], "{rel}");
    assert_eq!(doc["hive"]["secondary_sequence"], base["seq2"], "{rel}");
    assert_eq!(doc["hive"]["version"], base["version"], "{rel}");
    assert_eq!(doc["hive"]["checksum_ok"], base["checksum_ok"], "{rel}");

    for (ours, theirs) in [
        ("current", "Current"),
        ("default", "Default"),
        ("last_known_good", "LastKnownGood"),
        ("failed", "Failed"),
    ] {
        assert_eq!(
            doc["select"][ours], hive["select"][theirs],
            "{rel}: Select {theirs}"
        );
    }
    assert_eq!(doc["control_sets_present"], hive["control_sets"], "{rel}");
    assert_eq!(doc["control_set"], hive["analyzed_control_set"], "{rel}");
    assert_eq!(doc["chosen_by"], "select_current", "{rel}");
    assert_eq!(doc["read_errors"], Value::Array(vec![]), "{rel}");

    assert_values(
        &format!("{rel} WinSock2\\Parameters"),
        &doc["winsock2_parameters"]["values"],
        &hive["winsock2_parameters"],
    );
    assert_values(
        &format!("{rel} Protocol_Catalog9"),
        &doc["protocol_catalog"]["values"],
        &hive["protocol_catalog9_values"],
    );
    assert_values(
        &format!("{rel} NameSpace_Catalog5"),
        &doc["namespace_catalog"]["values"],
        &hive["namespace_catalog5_values"],
    );

    for (field, list_name, count) in [
        ("protocol_catalogs", "Catalog_Entries", "n_catalog_entries"),
        ("protocol_catalogs", "Catalog_Entries64", "n_catalog_entries64"),
        ("namespace_catalogs", "Catalog_Entries", "n_namespace_entries"),
        ("namespace_catalogs", "Catalog_Entries64", "n_namespace_entries64"),
    ] {
        let found = entry_count(&doc, field, list_name);
        assert_eq!(found, hive[count], "{rel} {field} {list_name}");
    }
    let catalog = list(&doc, "protocol_catalogs", "Catalog_Entries").unwrap();
    assert_eq!(
        catalog["num_entries"], hive["protocol_catalog9_values"]["Num_Catalog_Entries"],
        "{rel}"
    );
    assert_eq!(
        catalog["next_catalog_entry_id"], hive["protocol_catalog9_values"]["Next_Catalog_Entry_ID"],
        "{rel}"
    );

    let entries = catalog["entries"].as_array().unwrap();
    let expected = hive["protocol_entries"].as_array().unwrap();
    assert_eq!(entries.len(), expected.len(), "{rel}");
    for (ours, theirs) in entries.iter().zip(expected) {
        let at = format!("{rel} Catalog_Entries\\{}", theirs["key"]);
        assert_eq!(ours["key"], theirs["key"], "{at}");
        assert_eq!(ours["error"], Value::Null, "{at}");
        assert_eq!(ours["value_length"], theirs["len"], "{at}");
        assert_eq!(ours["catalog_entry_id"], theirs["CatalogEntryId"], "{at}");
        assert_eq!(ours["chain_len"], theirs["ChainLen"], "{at}");
        assert_eq!(ours["address_family"], theirs["iAddressFamily"], "{at}");
        assert_eq!(ours["socket_type"], theirs["iSocketType"], "{at}");
        assert_eq!(ours["protocol"], theirs["iProtocol"], "{at}");
        assert_eq!(ours["provider_id"], braced(&theirs["ProviderId"]), "{at}");
        assert_eq!(
            ours["provider_flags"],
            hex_number(&theirs["ProviderFlags"]),
            "{at}"
        );
        assert_eq!(
            ours["service_flags1"],
            hex_number(&theirs["ServiceFlags1"]),
            "{at}"
        );
        assert_eq!(ours["library_path"], theirs["dll_path"], "{at}");
        assert_eq!(ours["sz_protocol"], theirs["szProtocol"], "{at}");
        assert_eq!(
            ours["protocol_name_value"], theirs["ProtocolName_value"],
            "{at}"
        );
        let name = if theirs["ProtocolName_value"].is_null() {
            &theirs["szProtocol"]
        } else {
            &theirs["ProtocolName_value"]
        };
        assert_eq!(&ours["protocol_name"], name, "{at}");
    }

    let ids64: Vec<Value> = list(&doc, "protocol_catalogs", "Catalog_Entries64")
        .map(|l| {
            l["entries"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["catalog_entry_id"].clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(Value::Array(ids64), hive["protocol_entries64_ids"], "{rel}");

    let namespaces = list(&doc, "namespace_catalogs", "Catalog_Entries").unwrap();
    let namespaces = namespaces["entries"].as_array().unwrap();
    let expected = hive["namespace_providers"].as_array().unwrap();
    assert_eq!(namespaces.len(), expected.len(), "{rel}");
    for (ours, theirs) in namespaces.iter().zip(expected) {
        let at = format!(
            "{rel} NameSpace_Catalog5\\Catalog_Entries\\{}",
            theirs["key"]
        );
        assert_eq!(ours["key"], theirs["key"], "{at}");
        assert_eq!(ours["library_path"], theirs["LibraryPath"], "{at}");
        assert_eq!(ours["display_string"], theirs["DisplayString"], "{at}");
        assert_eq!(ours["provider_id"], braced(&theirs["ProviderId"]), "{at}");
        assert_eq!(ours["name_space"], theirs["SupportedNameSpace"], "{at}");
        assert_eq!(ours["enabled"], theirs["Enabled"], "{at}");
        assert_eq!(ours["version"], theirs["Version"], "{at}");
    }

    assert_eq!(
        doc["winsock_parameters"]["transports"], hive["winsock_transports"],
        "{rel}"
    );
    let names: Vec<Value> = doc["transports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].clone())
        .collect();
    assert_eq!(Value::Array(names), hive["winsock_transports"], "{rel}");
    for transport in doc["transports"].as_array().unwrap() {
        assert_eq!(transport["present"], true, "{rel}: {}", transport["name"]);
        assert!(
            transport["mapping"]["triples"]
                .as_array()
                .is_some_and(|t| !t.is_empty()),
            "{rel}: {}",
            transport["name"]
        );
    }
    assert!(
        doc["afd"]["name"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case("AFD")),
        "{rel}: Services\\AFD"
    );
}

fn every_readable_real_hive_matches_the_manifest() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    let hives = common::system_hives(&manifest, true);
    assert!(
        hives.len() >= 8,
        "the manifest lists {} readable hives",
        hives.len()
    );
    for hive in hives {
        check_hive(&dir, hive);
    }
}

fn all_control_sets_match_the_manifest_counts() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    for hive in common::system_hives(&manifest, true) {
        let rel = hive["path"].as_str().unwrap();
        let doc = run_json(&dir.join(rel), &["--all-control-sets"]);
        let expected = hive["other_control_sets_catalog_counts"]
            .as_object()
            .unwrap();
        let others = doc["other_control_sets"].as_array().unwrap();
        assert_eq!(others.len(), expected.len(), "{rel}");
        for other in others {
            let name = other["control_set"].as_str().unwrap();
            let counts = Value::Array(vec![
                entry_count(other, "protocol_catalogs", "Catalog_Entries"),
                entry_count(other, "protocol_catalogs", "Catalog_Entries64"),
                entry_count(other, "namespace_catalogs", "Catalog_Entries"),
            ]);
            assert_eq!(&counts, &expected[name], "{rel} {name}");
            assert_eq!(other["chosen_by"], Value::Null, "{rel} {name}");
        }
    }
}

fn control_set_can_be_chosen_by_number_and_a_missing_one_is_an_error() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    let hive = common::system_hives(&manifest, true)
        .into_iter()
        .find(|h| array(h, "control_sets").len() > 1)
        .expect("a hive with two control sets");
    let path = dir.join(hive["path"].as_str().unwrap());
    let second = hive["control_sets"][1].as_str().unwrap();
    let number = &second["ControlSet".len()..];
    let doc = run_json(&path, &["--control-set", number]);
    assert_eq!(doc["control_set"], second);
    assert_eq!(doc["chosen_by"], "requested");

    assert_refused(
        doctor().args(["catalog", "--control-set", "999"]).arg(&path),
        "ControlSet999 does not exist",
    );
}

fn table_output_names_providers_and_warns_about_dirty_hives() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    for hive in common::system_hives(&manifest, true) {
        let path = dir.join(hive["path"].as_str().unwrap());
        let output = success(doctor().arg("catalog").arg(&path));
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        for entry in hive["protocol_entries"].as_array().unwrap() {
            assert!(
                stdout.contains(entry["key"].as_str().unwrap()),
                "{}",
                path.display()
            );
        }
        let dirty = hive["baseblock"]["dirty"] == true;
        assert_eq!(
            stderr.contains("is dirty"),
            dirty,
            "{}: {stderr}",
            path.display()
        );
    }
}

fn reading_does_not_change_the_input() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    for hive in array(&manifest, "system_hives") {
        let path = dir.join(hive["path"].as_str().unwrap());
        let before = common::sha256_of(&path);
        doctor().arg("catalog").arg(&path).output().unwrap();
        assert_eq!(common::sha256_of(&path), before, "{}", path.display());
    }
}

common::registry::register_tests! {
    Hives: [
        every_readable_real_hive_matches_the_manifest,
        all_control_sets_match_the_manifest_counts,
        control_set_can_be_chosen_by_number_and_a_missing_one_is_an_error,
        table_output_names_providers_and_warns_about_dirty_hives,
        reading_does_not_change_the_input,
    ],
}
