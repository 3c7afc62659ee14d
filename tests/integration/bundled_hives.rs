//! The synthetic hives in hives/: each is exactly what its description builds, reads back with
//! the catalog of the real hive it was taken from, and scans as its description says.

use crate::common;

use std::path::{Path, PathBuf};

use common::cli::{doctor, success};
use winsock_doctor::synthetic::build_from_description;

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

fn run_json(args: &[&str], hive: &Path) -> (i32, serde_json::Value) {
    let output = doctor()
        .args(args)
        .arg(hive)
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} {}: {e}\n{}",
            hive.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), doc)
}

fn every_bundled_hive_is_what_its_description_builds() {
    let mut checked = 0;
    for entry in std::fs::read_dir(bundled("")).unwrap() {
        let description = entry.unwrap().path();
        if description.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&description).unwrap();
        let built = build_from_description(&text, &description.display().to_string()).unwrap();
        let committed = std::fs::read(description.with_extension("hive")).unwrap();
        assert!(
            built == committed,
            "{} differs from what its description builds: run hives/regenerate.sh",
            description.display()
        );
        checked += 1;
    }
    assert_eq!(checked, 3, "three bundled hives");
}

/// The protocol entries of a catalog as (key, id, af, type, proto, chain_len, guid, path, name).
fn entries(doc: &serde_json::Value, catalog: usize) -> Vec<String> {
    doc["protocol_catalogs"][catalog]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {} {} {} {} {} {}",
                e["key"],
                e["catalog_entry_id"],
                e["address_family"],
                e["socket_type"],
                e["protocol"],
                e["chain_len"],
                e["provider_id"].as_str().unwrap().to_lowercase(),
                e["library_path"],
                e["protocol_name"]
            )
        })
        .collect()
}

/// The same tuple from manifest.json's independent decoding of a real hive.
fn manifest_entries(hive: &serde_json::Value) -> Vec<String> {
    hive["protocol_entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {} {} {} {{{}}} {} {}",
                e["key"],
                e["CatalogEntryId"],
                e["iAddressFamily"],
                e["iSocketType"],
                e["iProtocol"],
                e["ChainLen"],
                e["ProviderId"].as_str().unwrap(),
                e["dll_path"],
                e.get("ProtocolName_value")
                    .filter(|v| !v.is_null())
                    .unwrap_or(&e["szProtocol"])
            )
        })
        .collect()
}

fn clean_bundled_hives_hold_the_catalogs_of_their_real_sources() {
    let Some(dir) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&dir);
    for (bundled_name, real) in [
        (
            "win10-x64.hive",
            "real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered",
        ),
        ("winxp-sp3-x86.hive", "real/winxp-sp3-x86-m57/SYSTEM"),
    ] {
        let facts = manifest["system_hives"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["path"] == real)
            .unwrap();
        let (code, doc) = run_json(&["catalog", "--json"], &bundled(bundled_name));
        assert_eq!(code, 0);
        assert_eq!(entries(&doc, 0), manifest_entries(facts), "{bundled_name}");
        assert_eq!(
            doc["namespace_catalogs"][0]["entries"]
                .as_array()
                .unwrap()
                .len() as u64,
            facts["n_namespace_entries"].as_u64().unwrap()
        );
    }
}

fn clean_bundled_hives_scan_healthy_and_the_lsp_hive_does_not() {
    for name in ["win10-x64.hive", "winxp-sp3-x86.hive"] {
        let (code, doc) = run_json(&["scan", "--json"], &bundled(name));
        assert_eq!(
            (code, &doc["healthy"]),
            (0, &serde_json::json!(true)),
            "{name}"
        );
    }
    let (code, doc) = run_json(&["scan", "--json"], &bundled("win10-x64-lsp.hive"));
    assert_eq!(code, 1);
    assert_eq!(doc["healthy"], false);
    let lsps = doc["lsps"].as_array().unwrap();
    assert_eq!(lsps.len(), 2, "one LSP in each of the two catalogs");
    for finding in doc["findings"].as_array().unwrap() {
        assert_eq!(finding["code"], "layered_provider");
    }
}

fn removing_the_bundled_lsp_gives_back_the_clean_bundled_catalogs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("SYSTEM.repaired");
    success(
        doctor()
            .args(["repair", "--mode", "remove-lsp", "--out"])
            .arg(&out)
            .arg(bundled("win10-x64-lsp.hive")),
    );
    let (_, repaired) = run_json(&["catalog", "--json"], &out);
    let (_, clean) = run_json(&["catalog", "--json"], &bundled("win10-x64.hive"));
    for catalog in 0..2 {
        assert_eq!(entries(&repaired, catalog), entries(&clean, catalog));
    }
    let (code, _) = run_json(&["scan", "--json"], &out);
    assert_eq!(code, 0, "the repaired copy scans healthy");
    common::repair::assert_written_hive_ok(
        &bundled("win10-x64-lsp.hive"),
        &out,
        &common::repair::WINSOCK_KEYS,
    );
}

common::registry::register_tests! {
    Nothing: [
        every_bundled_hive_is_what_its_description_builds,
        clean_bundled_hives_scan_healthy_and_the_lsp_hive_does_not,
        removing_the_bundled_lsp_gives_back_the_clean_bundled_catalogs,
    ],
    Hives: [
        clean_bundled_hives_hold_the_catalogs_of_their_real_sources,
    ],
}
