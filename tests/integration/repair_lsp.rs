//! LSPs installed into copies of real hives the way instlsp lays them out (format doc §5.2): a
//! hidden layered entry (ChainLen 0) and chain entries [layered, base] (ChainLen 2) moved in
//! front of the base entries, in both x64 lists. `remove-lsp` must give back the original
//! catalogs exactly, IDs included; `reset` the default one.

use crate::common;

use std::path::Path;

use common::repair::{
    WINSOCK_KEYS, assert_healthy, assert_written_hive_ok, catalogs, copy_files, entries, repair,
    repair_refused, scan,
};
use winsock_doctor::hive::editor::Editor;
use winsock_doctor::hive::value::{REG_SZ, RawValue};
use winsock_doctor::winsock::catalog::{PACKED_CATALOG_ITEM, PROTOCOL_NAME, ProtocolEntry};
use winsock_doctor::winsock::defaults::is_microsoft_protocol_provider;
use winsock_doctor::winsock::packed_item::PackedCatalogItem;
use winsock_doctor::winsock::providers::TCPIP;

const ROOT: &str = r"ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9";
const LSP_GUID: &str = "{D3C21122-85E1-48F3-9AB6-23D90C73077F}";
const CHAIN_GUID: &str = "{D3C21123-85E1-48F3-9AB6-23D90C73077F}";
const LSP_DLL: &str = r"%SystemRoot%\system32\testlsp.dll";

/// Each entry list's values in key order, and `Next_Catalog_Entry_ID`.
type Snapshot = (Vec<(String, Vec<Vec<RawValue>>)>, u32);

fn snapshot(path: &Path) -> Snapshot {
    let cats = catalogs(path);
    let lists = cats
        .selected
        .protocol_catalogs
        .iter()
        .filter(|l| l.present)
        .map(|l| {
            (
                l.name.clone(),
                entries(l).iter().map(|e| e.values.clone()).collect(),
            )
        })
        .collect();
    let next = cats
        .selected
        .protocol_catalog
        .as_ref()
        .and_then(|r| r.next_catalog_entry_id)
        .unwrap();
    (lists, next)
}

fn over(
    base: &ProtocolEntry,
    id: u32,
    chain: Vec<u32>,
    guid: &str,
    name: String,
) -> PackedCatalogItem {
    let mut item = base.item.clone().unwrap();
    item.catalog_entry_id = id;
    item.chain_len = chain.len() as i32;
    item.chain = chain;
    item.provider_id = guid.parse().unwrap();
    item.library_path = LSP_DLL.into();
    item.sz_protocol = name;
    item
}

fn values_of(item: &PackedCatalogItem, with_name: bool) -> Vec<RawValue> {
    let mut values = vec![RawValue::binary(
        PACKED_CATALOG_ITEM,
        &item.encode().unwrap(),
    )];
    if with_name {
        values.push(RawValue::string(PROTOCOL_NAME, REG_SZ, &item.sz_protocol));
    }
    values
}

/// Install "Test LSP" over TCP and UDP/IPv4 in every list of the hive at `path`; without its
/// layered entry when `half_removed`. Returns the catalogs as they were.
fn install_lsp(path: &Path, half_removed: bool) -> Snapshot {
    let before = snapshot(path);
    let cats = catalogs(path);
    let bytes = std::fs::read(path).unwrap();
    let mut editor = Editor::open(&bytes).unwrap();
    let next = before.1;
    let (dummy_id, tcp_id, udp_id) = (next, next + 1, next + 2);
    for list in cats.selected.protocol_catalogs.iter().filter(|l| l.present) {
        let originals = entries(list);
        let find = |triple: (i32, i32, i32)| {
            *originals
                .iter()
                .find(|e| {
                    let i = e.item.as_ref().unwrap();
                    i.provider_id == TCPIP
                        && (i.address_family, i.socket_type, i.protocol) == triple
                })
                .unwrap()
        };
        let (tcp, udp) = (find((2, 1, 6)), find((2, 2, 17)));
        let with_name = tcp.protocol_name_value.is_some();
        let mut dummy = over(tcp, dummy_id, Vec::new(), LSP_GUID, "Test LSP".into());
        dummy.socket_type = 0;
        dummy.protocol = 0;
        dummy.provider_flags = (dummy.provider_flags | 0x4) & !0x8;
        let chains = [(tcp, tcp_id), (udp, udp_id)].map(|(base, id)| {
            let base_item = base.item.as_ref().unwrap();
            over(
                base,
                id,
                vec![dummy_id, base_item.catalog_entry_id],
                CHAIN_GUID,
                format!("Test LSP over [{}]", base_item.sz_protocol),
            )
        });
        let mut laid_out: Vec<Vec<RawValue>> =
            chains.iter().map(|c| values_of(c, with_name)).collect();
        laid_out.extend(originals.iter().map(|e| e.values.clone()));
        if !half_removed {
            laid_out.push(values_of(&dummy, with_name));
        }
        for (position, values) in laid_out.iter().enumerate() {
            let key = format!(r"{ROOT}\{}\{:012}", list.name, position + 1);
            editor.create_key(&key).unwrap();
            for name in editor.value_names(&key).unwrap() {
                editor.delete_value(&key, &name).unwrap();
            }
            for v in values {
                editor
                    .set_value(&key, &v.name, v.data_type, &v.data)
                    .unwrap();
            }
        }
        let count = if list.name.ends_with("64") {
            "Num_Catalog_Entries64"
        } else {
            "Num_Catalog_Entries"
        };
        editor
            .set_value(ROOT, count, 4, &(laid_out.len() as u32).to_le_bytes())
            .unwrap();
    }
    editor
        .set_value(ROOT, "Next_Catalog_Entry_ID", 4, &(next + 3).to_le_bytes())
        .unwrap();
    std::fs::write(path, editor.finish()).unwrap();
    before
}

fn codes(path: &Path) -> Vec<String> {
    let (_, doc) = scan(path);
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn remove_and_reset(folder: &str, name: &str, half_removed: bool) {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let (dir, input) = copy_files(&hives, folder, &[name]);
    let (original, next) = install_lsp(&input, half_removed);
    let found = codes(&input);
    assert!(found.contains(&"layered_provider".to_string()), "{found:?}");
    if half_removed {
        assert!(found.contains(&"dangling_chain".to_string()), "{found:?}");
    }

    let out = dir.path().join("removed");
    let report = repair(&input, &out, &["--mode", "remove-lsp"]);
    assert_eq!(report["status"], "repaired");
    let saved = report["control_sets"][0]["removed_providers"]
        .as_array()
        .unwrap();
    let per_list = if half_removed { 2 } else { 3 };
    assert_eq!(saved.len(), per_list * original.len(), "{saved:#?}");
    assert!(
        saved
            .iter()
            .all(|p| p["packed_catalog_item_hex"].as_str().unwrap().len() == 888 * 2)
    );
    let (restored, new_next) = snapshot(&out);
    assert_eq!(
        restored, original,
        "{folder}: the original catalogs, IDs included"
    );
    assert!(new_next >= next + 3, "IDs are never reused: {new_next}");
    assert_healthy(&out);
    assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);

    let reset = dir.path().join("reset");
    repair(&input, &reset, &["--mode", "reset"]);
    let cats = catalogs(&reset);
    for list in &cats.selected.protocol_catalogs {
        assert!(entries(list).iter().all(|e| {
            let i = e.item.as_ref().unwrap();
            i.chain_len == 1 && is_microsoft_protocol_provider(&i.provider_id)
        }));
    }
    assert_healthy(&reset);
    assert_written_hive_ok(&input, &reset, &WINSOCK_KEYS);
}

fn xp_lsp_is_removed_exactly() {
    remove_and_reset("real/winxp-sp3-x86-m57", "SYSTEM", false);
}

fn xp_half_removed_lsp() {
    remove_and_reset("real/winxp-sp3-x86-m57", "SYSTEM", true);
}

fn win7_lsp_is_removed_exactly() {
    remove_and_reset("real/win7-sp1-x86", "SYSTEM", false);
}

fn win7_half_removed_lsp() {
    remove_and_reset("real/win7-sp1-x86", "SYSTEM", true);
}

fn win10_lsp_in_both_catalogs_is_removed_exactly() {
    remove_and_reset(
        "real/win10-1709-x64-dirty-with-logs/expected",
        "SYSTEM.recovered",
        false,
    );
}

fn win10_half_removed_lsp_in_both_catalogs() {
    remove_and_reset(
        "real/win10-1709-x64-dirty-with-logs/expected",
        "SYSTEM.recovered",
        true,
    );
}

/// `--lsp` names one LSP by DLL or GUID; a name that matches nothing is an error.
fn selected_lsp_by_dll_or_guid_and_unknown_selector() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let (dir, input) = copy_files(&hives, "real/winxp-sp3-x86-m57", &["SYSTEM"]);
    let (original, _) = install_lsp(&input, false);
    for (i, selector) in ["TESTLSP.DLL", LSP_GUID].iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        repair(&input, &out, &["--mode", "remove-lsp", "--lsp", selector]);
        assert_eq!(snapshot(&out).0, original, "--lsp {selector}");
        assert_written_hive_ok(&input, &out, &WINSOCK_KEYS);
    }
    let out = dir.path().join("none");
    let stderr = repair_refused(&input, &out, &["--mode", "remove-lsp", "--lsp", "nosuch.dll"]);
    assert!(stderr.contains("nosuch.dll"), "{stderr}");
}

/// Whatever names an LSP — its hidden entry's ID, a chain's ID, either GUID, the 32- or 64-bit
/// DLL by name or path — removes the whole LSP from both lists: the output is the one
/// `remove-lsp` without `--lsp` writes. On the bundled hive (32- and 64-bit DLLs differ) and on
/// an LSP built into a real Windows 10 hive.
fn every_selector_kind_removes_the_whole_lsp() {
    let dir = tempfile::tempdir().unwrap();
    let bundled = Path::new("hives/win10-x64-lsp.hive");
    let selectors = [
        "1014",
        "1015",
        "1016",
        "{5C9E4A7B-2D1F-4E3A-9B8C-7F6E5D4C3B2A}",
        "wglsp.dll",
        "WGLSP64.DLL",
        r"C:\Program Files (x86)\WebGuard\wglsp.dll",
    ];
    assert_selectors_remove_all(bundled, dir.path(), &selectors);

    let Some(hives) = common::hives_dir() else {
        return;
    };
    let (built_dir, input) = copy_files(&hives, "real/win10-1903-x64-dirty", &["SYSTEM"]);
    let (_, next) = install_lsp(&input, false);
    let ids = [next, next + 1, next + 2].map(|id| id.to_string());
    let mut selectors: Vec<&str> = ids.iter().map(String::as_str).collect();
    selectors.extend([LSP_GUID, CHAIN_GUID, "testlsp.dll", LSP_DLL]);
    assert_selectors_remove_all(&input, built_dir.path(), &selectors);
}

fn assert_selectors_remove_all(input: &Path, dir: &Path, selectors: &[&str]) {
    let all = dir.join("all");
    repair(input, &all, &["--mode", "remove-lsp"]);
    let expected = snapshot(&all);
    assert_healthy(&all);
    for (i, selector) in selectors.iter().enumerate() {
        let out = dir.join(format!("selected{i}"));
        repair(input, &out, &["--mode", "remove-lsp", "--lsp", selector]);
        assert_eq!(snapshot(&out), expected, "--lsp {selector}");
    }
    let out = dir.join("unknown");
    let stderr = repair_refused(input, &out, &["--mode", "remove-lsp", "--lsp", "9999999"]);
    assert!(stderr.contains("the layered providers here"), "{stderr}");
}

common::registry::register_tests! {
    Hives: [
        xp_lsp_is_removed_exactly,
        xp_half_removed_lsp,
        win7_lsp_is_removed_exactly,
        win7_half_removed_lsp,
        win10_lsp_in_both_catalogs_is_removed_exactly,
        win10_half_removed_lsp_in_both_catalogs,
        selected_lsp_by_dll_or_guid_and_unknown_selector,
        every_selector_kind_removes_the_whole_lsp,
    ],
}
