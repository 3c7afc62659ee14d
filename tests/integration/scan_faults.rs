//! Every check of `scan`, proven on a copy of a real hive into which the fault was built the way
//! damage, an installer or malware leaves it (tests/integration/common/patchable.rs edits the copy in place).

use crate::common;

use std::path::{Path, PathBuf};

use common::cli::{doctor, findings_of, text};
use common::patchable::{
    NS, NT4, PARAMS, PFL_HIDDEN, PFL_MATCHES_PROTOCOL_ZERO, PROTO, PatchableHive, SERVICES, WIN7,
    WIN10, WIN81, XP, copy, entry,
};
use serde_json::Value;

/// `scan --json` exit code and document.
fn scan(path: &Path, extra: &[&str]) -> (i32, Value) {
    let output = doctor()
        .arg("scan")
        .arg("--json")
        .args(extra)
        .arg(path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let doc = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}); stderr: {stderr}"));
    (output.status.code().unwrap(), doc)
}

/// Scan the saved copy: it must be unhealthy (exit 1) and hold `code` at `key` (relative to the
/// control set) with `severity`. Returns the document.
fn expect(hive: &PatchableHive, code: &str, key: &str, severity: &str) -> Value {
    let (exit, doc) = scan(hive.save(), &[]);
    let found = findings_of(&doc, code);
    assert!(
        found
            .iter()
            .any(|f| f["key"] == key && f["severity"] == severity),
        "no {severity} {code} at {key}; findings: {:#}",
        doc["findings"]
    );
    assert_eq!(exit, 1, "a problem must give exit code 1");
    assert_eq!(doc["healthy"], false);
    doc
}

fn rel(path: &str) -> String {
    path.trim_start_matches(r"ControlSet001\").to_string()
}

fn winsock2_key_missing() {
    let Some(mut hive) = copy(XP) else { return };
    hive.rename_key(&format!(r"{SERVICES}\WinSock2"), "WinSockX");
    expect(
        &hive,
        "winsock2_key_missing",
        r"Services\WinSock2\Parameters",
        "critical",
    );
}

fn winsock_key_missing() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.rename_key(&format!(r"{SERVICES}\Winsock"), "Winsocq");
    expect(
        &hive,
        "winsock_key_missing",
        r"Services\Winsock\Parameters",
        "critical",
    );
}

fn catalog_key_missing_for_the_entry_list() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.rename_key(&format!(r"{PROTO}\Catalog_Entries"), "Catalog_Entriez");
    expect(
        &hive,
        "catalog_key_missing",
        &rel(&format!(r"{PROTO}\Catalog_Entries")),
        "critical",
    );
}

fn catalog_key_missing_for_the_64bit_list_and_count_of_an_x64_hive() {
    let Some(mut hive) = copy(WIN10) else { return };
    hive.rename_key(&format!(r"{PROTO}\Catalog_Entries64"), "Catalog_EntriesXX");
    hive.rename_value(NS, "Num_Catalog_Entries64", "Num_Catalog_EntriesXX");
    let doc = expect(
        &hive,
        "catalog_key_missing",
        &rel(&format!(r"{PROTO}\Catalog_Entries64")),
        "critical",
    );
    assert!(
        findings_of(&doc, "catalog_key_missing")
            .iter()
            .any(|f| f["key"] == rel(NS) && f["value"] == "Num_Catalog_Entries64")
    );
}

fn catalog_key_missing_for_next_catalog_entry_id() {
    let Some(mut hive) = copy(XP) else { return };
    hive.rename_value(PROTO, "Next_Catalog_Entry_ID", "Next_Catalog_Entry_IX");
    let doc = expect(&hive, "catalog_key_missing", &rel(PROTO), "critical");
    assert!(
        findings_of(&doc, "catalog_key_missing")
            .iter()
            .any(|f| f["value"] == "Next_Catalog_Entry_ID")
    );
}

fn catalog_gap_and_dormant_entry_from_a_renamed_key() {
    // 3 -> 99 leaves the subkey list unsorted: the reader must still see every key.
    let Some(mut hive) = copy(WIN10) else { return };
    hive.rename_key(&entry("Catalog_Entries", 3), "000000000099");
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    let doc = expect(&hive, "catalog_gap", &list, "critical");
    let gap = findings_of(&doc, "catalog_gap")[0];
    assert_eq!(
        gap["evidence"]["missing_keys"],
        serde_json::json!(["000000000003"])
    );
    assert!(
        findings_of(&doc, "dormant_catalog_entry")
            .iter()
            .any(|f| f["key"] == format!(r"{list}\000000000099"))
    );
    // The count still matches the number of numbered keys.
    assert!(findings_of(&doc, "catalog_count_mismatch").is_empty());
}

fn catalog_count_mismatch_and_dormant_entry_from_a_lowered_count() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.set_dword(PROTO, "Num_Catalog_Entries", 23);
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    let doc = expect(&hive, "catalog_count_mismatch", &list, "warning");
    assert!(
        findings_of(&doc, "dormant_catalog_entry")
            .iter()
            .any(|f| f["key"] == format!(r"{list}\000000000024"))
    );
    assert!(findings_of(&doc, "catalog_gap").is_empty());
}

fn catalog_gap_from_a_raised_count() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.set_dword(PROTO, "Num_Catalog_Entries", 25);
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    let doc = expect(&hive, "catalog_gap", &list, "critical");
    assert_eq!(
        findings_of(&doc, "catalog_gap")[0]["evidence"]["missing_keys"],
        serde_json::json!(["000000000025"])
    );
    assert_eq!(findings_of(&doc, "catalog_count_mismatch").len(), 1);
}

fn truncated_catalog_item_short_missing_and_mistyped() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.shorten_value(&entry("Catalog_Entries", 5), "PackedCatalogItem", 600);
    hive.rename_value(
        &entry("Catalog_Entries", 6),
        "PackedCatalogItem",
        "PackedCatalogIteX",
    );
    hive.set_value_type(&entry("Catalog_Entries", 7), "PackedCatalogItem", 1);
    let doc = expect(
        &hive,
        "truncated_catalog_item",
        &rel(&entry("Catalog_Entries", 5)),
        "critical",
    );
    let found = findings_of(&doc, "truncated_catalog_item");
    let at = |n: u32| {
        found
            .iter()
            .find(|f| f["key"] == rel(&entry("Catalog_Entries", n)))
            .unwrap_or_else(|| panic!("entry {n} not reported: {found:#?}"))
    };
    assert_eq!(at(5)["evidence"]["length"], 600);
    assert_eq!(at(6)["severity"], "critical");
    assert_eq!(at(7)["severity"], "warning");
}

fn catalog_id_conflict_duplicate_id_and_low_next_id() {
    let Some(mut hive) = copy(WIN7) else { return };
    let first = hive.packed_item(&entry("Catalog_Entries", 1)).id();
    let mut second = hive.packed_item(&entry("Catalog_Entries", 2));
    second.set_id(first);
    hive.set_packed_item(&entry("Catalog_Entries", 2), &second);
    hive.set_dword(PROTO, "Next_Catalog_Entry_ID", 1070);
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    let doc = expect(&hive, "catalog_id_conflict", &list, "critical");
    assert!(
        findings_of(&doc, "catalog_id_conflict")
            .iter()
            .any(|f| f["value"] == "Next_Catalog_Entry_ID" && f["severity"] == "warning")
    );
}

/// Lay out an LSP as Microsoft's instlsp sample does, over the base entry at key `base`: a
/// hidden layered (dummy) entry at key `dummy` and a chain entry [dummy, base] at key `chain`,
/// both copies of the base entry with the LSP's DLL, GUID and name. Returns (dummy ID, base ID).
fn install_lsp(
    hive: &mut PatchableHive,
    list: &str,
    (dummy, chain, base): (u32, u32, u32),
    dll: &str,
) -> (u32, u32) {
    let base_item = hive.packed_item(&entry(list, base));
    let dummy_id = hive.packed_item(&entry(list, dummy)).id();
    let chain_id = hive.packed_item(&entry(list, chain)).id();

    let mut layered = base_item.clone();
    let flags = (layered.provider_flags() | PFL_HIDDEN) & !PFL_MATCHES_PROTOCOL_ZERO;
    layered
        .path(dll)
        .provider_id("{5F1D3C2B-9A8E-4B7C-8D6F-0E1A2B3C4D5E}")
        .set_id(dummy_id)
        .chain(0, &[])
        .triple(2, 0, 0)
        .set_provider_flags(flags)
        .name("Spy LSP");
    hive.set_packed_item(&entry(list, dummy), &layered);

    let base_id = base_item.id();
    let mut over = base_item;
    over.path(dll)
        .provider_id("{5F1D3C2B-9A8E-4B7C-8D6F-0E1A2B3C4D5F}")
        .set_id(chain_id)
        .chain(2, &[dummy_id, base_id])
        .name("Spy over TCP");
    hive.set_packed_item(&entry(list, chain), &over);
    // Windows 7 and later keep the name in ProtocolName too.
    hive.set_string(&entry(list, dummy), "ProtocolName", "Spy LSP");
    hive.set_string(&entry(list, chain), "ProtocolName", "Spy over TCP");
    (dummy_id, base_id)
}

fn layered_provider_in_both_catalogs_of_an_x64_hive_is_grouped() {
    let Some(mut hive) = copy(WIN10) else { return };
    let dll = r"C:\Program Files\SpyCorp\spylsp64.dll";
    // Keys 15 and 16 held the VMware vSockets entries; key 3 is MSAFD Tcpip [TCP/IP].
    for list in ["Catalog_Entries", "Catalog_Entries64"] {
        install_lsp(&mut hive, list, (15, 16, 3), dll);
    }
    let doc = expect(
        &hive,
        "layered_provider",
        &rel(&entry("Catalog_Entries64", 15)),
        "warning",
    );
    assert_eq!(
        findings_of(&doc, "layered_provider").len(),
        2,
        "one per catalog"
    );
    assert!(findings_of(&doc, "dangling_chain").is_empty());
    assert!(findings_of(&doc, "catalog_arch_mismatch").is_empty());
    let lsps = doc["lsps"].as_array().unwrap();
    assert_eq!(lsps.len(), 2);
    for lsp in lsps {
        assert_eq!(lsp["dll"], dll);
        assert_eq!(lsp["dll_location"], "foreign");
        assert_eq!(lsp["name"], "Spy LSP");
        assert_eq!(lsp["provider_id"], "{5F1D3C2B-9A8E-4B7C-8D6F-0E1A2B3C4D5E}");
        assert_eq!(lsp["layered_entry"]["key"], "000000000015");
        assert_eq!(lsp["chains"][0]["key"], "000000000016");
        assert_eq!(lsp["chains"][0]["base"]["key"], "000000000003");
        assert_eq!(lsp["wraps"], serde_json::json!(["MSAFD Tcpip [TCP/IP]"]));
    }
    assert_eq!(
        findings_of(&doc, "layered_provider")[0]["repair"]["mode"],
        "remove-lsp"
    );
}

fn layered_provider_report_tells_a_technician_what_to_do() {
    let Some(mut hive) = copy(WIN7) else { return };
    let dll = r"C:\Program Files\SpyCorp\spylsp.dll";
    install_lsp(&mut hive, "Catalog_Entries", (23, 24, 1), dll);
    let path = hive.save();
    let output = doctor()
        .arg("scan")
        .arg(path)
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "PROBLEMS FOUND",
        "layered_provider",
        r#"Layered service provider "Spy LSP""#,
        dll,
        "Wraps:       MSAFD Tcpip [TCP/IP]",
        "Hidden entry: key 000000000023",
        "repair --mode remove-lsp",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    assert!(
        !text.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
}

fn dangling_chain_whose_layered_entry_is_gone() {
    let Some(mut hive) = copy(WIN7) else { return };
    let mut chain = hive.packed_item(&entry("Catalog_Entries", 1));
    let base_id = chain.id();
    let own_id = hive.packed_item(&entry("Catalog_Entries", 24)).id();
    chain
        .path(r"%SystemRoot%\system32\oldlsp.dll")
        .set_id(own_id)
        .chain(2, &[1099, base_id])
        .name("Old LSP over TCP");
    hive.set_packed_item(&entry("Catalog_Entries", 24), &chain);
    let doc = expect(
        &hive,
        "dangling_chain",
        &rel(&entry("Catalog_Entries", 24)),
        "critical",
    );
    assert!(doc["findings"].to_string().contains("1099"));
    let lsp = &doc["lsps"][0];
    assert_eq!(lsp["layered_entry"], Value::Null);
    assert_eq!(
        lsp["chains"][0]["chain"],
        serde_json::json!([1099, base_id])
    );
}

fn provider_path_tampered_to_a_bare_file_name() {
    // ZeroAccess rewrote the path of a Microsoft entry to plain "mswsock.dll".
    let Some(mut hive) = copy(XP) else { return };
    let mut item = hive.packed_item(&entry("Catalog_Entries", 1));
    item.path("mswsock.dll");
    hive.set_packed_item(&entry("Catalog_Entries", 1), &item);
    let doc = expect(
        &hive,
        "provider_path_tampered",
        &rel(&entry("Catalog_Entries", 1)),
        "critical",
    );
    let f = findings_of(&doc, "provider_path_tampered")[0];
    assert_eq!(f["evidence"]["library_path"], "mswsock.dll");
    assert_eq!(f["evidence"]["library_path_hex"], "6d7377736f636b2e646c6c");
}

/// Turn the 15th base provider into one of an unknown GUID whose DLL is `dll`.
fn set_unknown_base_provider(hive: &mut PatchableHive, dll: &str) {
    let mut item = hive.packed_item(&entry("Catalog_Entries", 15));
    item.path(dll)
        .provider_id("{0BADC0DE-1234-4321-ABCD-0123456789AB}");
    hive.set_packed_item(&entry("Catalog_Entries", 15), &item);
}

fn foreign_provider_dll_of_an_unknown_base_provider() {
    let Some(mut hive) = copy(WIN10) else { return };
    set_unknown_base_provider(&mut hive, r"C:\Users\Public\sockhelper.dll");
    expect(
        &hive,
        "foreign_provider_dll",
        &rel(&entry("Catalog_Entries", 15)),
        "warning",
    );
}

fn known_malicious_provider_webhancer_lsp() {
    let Some(mut hive) = copy(WIN7) else { return };
    install_lsp(
        &mut hive,
        "Catalog_Entries",
        (23, 24, 1),
        r"%SystemRoot%\system32\webhdll.dll",
    );
    let doc = expect(
        &hive,
        "known_malicious_provider",
        &rel(&entry("Catalog_Entries", 23)),
        "critical",
    );
    assert_eq!(findings_of(&doc, "layered_provider").len(), 1);
    assert!(text(&doc["lsps"][0]["known_as"]).contains("WebHancer"));
}

fn foreign_namespace_provider_injected_into_the_64bit_catalog() {
    let Some(mut hive) = copy(WIN10) else { return };
    let key = format!(r"{NS}\Catalog_Entries64\000000000001");
    hive.set_string(&key, "LibraryPath", r"C:\ProgramData\nsp\payload.dll");
    expect(&hive, "foreign_namespace_provider", &rel(&key), "warning");
}

fn namespace_entry_invalid_without_provider_id() {
    let Some(mut hive) = copy(WIN7) else { return };
    let key = format!(r"{NS}\Catalog_Entries\000000000002");
    hive.rename_value(&key, "ProviderId", "ProviderIx");
    let doc = expect(&hive, "namespace_entry_invalid", &rel(&key), "critical");
    assert!(doc["findings"].to_string().contains("ProviderId"));
}

fn catalog_arch_mismatch_when_the_64bit_ids_differ() {
    let Some(mut hive) = copy(WIN10) else { return };
    let mut item = hive.packed_item(&entry("Catalog_Entries64", 16));
    let old = item.id();
    item.set_id(1000);
    hive.set_packed_item(&entry("Catalog_Entries64", 16), &item);
    let doc = expect(&hive, "catalog_arch_mismatch", &rel(PROTO), "warning");
    let f = findings_of(&doc, "catalog_arch_mismatch")[0];
    assert_eq!(
        f["evidence"]["only_32bit"],
        serde_json::json!([old.to_string()])
    );
    assert_eq!(f["evidence"]["only_64bit"], serde_json::json!(["1000"]));
}

fn stale_catalog_lock_named_after_the_serial_number() {
    let Some(mut hive) = copy(WIN10) else { return };
    let serial = u32::from_le_bytes(hive.read_value(NS, "Serial_Access_Num").try_into().unwrap());
    let lock = format!("{serial:08X}");
    hive.rename_key(&format!(r"{NS}\Catalog_Entries64"), &lock);
    expect(
        &hive,
        "stale_catalog_lock",
        &rel(&format!(r"{NS}\{lock}")),
        "critical",
    );
}

fn winsock_hook_dll_autodial_and_callout_moved() {
    let Some(mut hive) = copy(WIN10) else { return };
    hive.move_hook_dlls();
    let doc = expect(&hive, "winsock_hook_dll", &rel(PARAMS), "warning");
    let values: Vec<&Value> = findings_of(&doc, "winsock_hook_dll")
        .iter()
        .map(|f| &f["value"])
        .collect();
    assert_eq!(values, ["AutodialDLL", "NameSpace_Callout"]);
}

fn known_malicious_provider_is_repaired_where_it_lies() {
    // WebHancer's DLL as a base provider (not a layer) and as AutodialDLL: remove-lsp removes
    // neither, so each finding names the repair that does.
    let Some(mut hive) = copy(WIN10) else { return };
    set_unknown_base_provider(&mut hive, r"C:\Users\Public\webhdll.dll");
    hive.set_string(PARAMS, "AutodialDLL", r"C:\Users\Public\webhdll.dll");
    let doc = expect(
        &hive,
        "known_malicious_provider",
        &rel(&entry("Catalog_Entries", 15)),
        "critical",
    );
    let repairs: Vec<Value> = findings_of(&doc, "known_malicious_provider")
        .iter()
        .map(|f| serde_json::json!([f["value"], f["repair"]["mode"], f["repair"]["options"]]))
        .collect();
    assert_eq!(
        repairs,
        [
            serde_json::json!(["AutodialDLL", null, ["--fix-services"]]),
            serde_json::json!(["PackedCatalogItem", "reset", []]),
        ]
    );
    let command = doc["what_to_run"]["command"].as_str().unwrap();
    assert!(
        command.contains("--mode reset") && command.contains("--fix-services"),
        "{command}"
    );
}

fn afd_disabled() {
    let Some(mut hive) = copy(XP) else { return };
    hive.set_dword(&format!(r"{SERVICES}\AFD"), "Start", 4);
    expect(&hive, "afd_disabled", r"Services\AFD", "critical");
}

fn tcpip_disabled_is_the_code_24_case() {
    let Some(mut hive) = copy(XP) else { return };
    hive.set_dword(&format!(r"{SERVICES}\Tcpip"), "Start", 4);
    let doc = expect(&hive, "tcpip_disabled", r"Services\Tcpip", "critical");
    assert!(
        findings_of(&doc, "tcpip_disabled")[0]["symptoms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == "tcpip_code24")
    );
}

fn afd_starting_late_is_a_warning() {
    let Some(mut hive) = copy(XP) else { return };
    hive.set_dword(&format!(r"{SERVICES}\AFD"), "Start", 3);
    let doc = expect(&hive, "afd_disabled", r"Services\AFD", "warning");
    let f = findings_of(&doc, "afd_disabled")[0];
    assert_eq!(f["evidence"]["start"], 3);
}

fn afd_start_2_is_normal_on_nt4() {
    // NT 4.0 starts AFD automatically (Start 2): the real hive holds that, and it is no finding.
    let Some(hive) = copy(NT4) else { return };
    assert_eq!(
        hive.read_value(&format!(r"{SERVICES}\AFD"), "Start"),
        2u32.to_le_bytes()
    );
    let (_, doc) = scan(hive.save(), &[]);
    assert!(
        findings_of(&doc, "afd_disabled").is_empty(),
        "{:#}",
        doc["findings"]
    );
}

/// `Services\Winsock\Parameters` of the XP hive: Transports lists Tcpip and NetBIOS.
const WINSOCK_PARAMS: &str = r"ControlSet001\Services\Winsock\Parameters";

/// `names` as REG_MULTI_SZ data of exactly `len` bytes (NUL-padded).
fn multi_string(names: &[&str], len: usize) -> Vec<u8> {
    let mut data: Vec<u8> = names
        .iter()
        .flat_map(|n| n.encode_utf16().chain([0]))
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    assert!(data.len() <= len, "{names:?} does not fit in {len} bytes");
    data.resize(len, 0);
    data
}

fn transports_without_tcpip_is_critical() {
    let Some(mut hive) = copy(XP) else { return };
    let len = hive.read_value(WINSOCK_PARAMS, "Transports").len();
    hive.write_value(
        WINSOCK_PARAMS,
        "Transports",
        &multi_string(&["NetBIOS"], len),
    );
    let doc = expect(
        &hive,
        "transport_invalid",
        r"Services\Winsock\Parameters",
        "critical",
    );
    let f = findings_of(&doc, "transport_invalid")[0];
    assert_eq!(f["value"], "Transports");
    assert_eq!(f["evidence"]["transports"], serde_json::json!(["NetBIOS"]));
}

fn empty_transports_is_critical() {
    let Some(mut hive) = copy(XP) else { return };
    let len = hive.read_value(WINSOCK_PARAMS, "Transports").len();
    hive.write_value(WINSOCK_PARAMS, "Transports", &multi_string(&[], len));
    let doc = expect(
        &hive,
        "transport_invalid",
        r"Services\Winsock\Parameters",
        "critical",
    );
    assert!(
        findings_of(&doc, "transport_invalid")[0]["message"]
            .as_str()
            .unwrap()
            .contains("missing or empty")
    );
}

fn current_catalog_values_missing() {
    let Some(mut hive) = copy(XP) else { return };
    for value in ["Current_Protocol_Catalog", "Current_NameSpace_Catalog"] {
        hive.rename_value(PARAMS, value, &value.replace("Current", "Xurrent"));
    }
    let doc = expect(&hive, "catalog_key_missing", &rel(PARAMS), "critical");
    let values: Vec<&Value> = findings_of(&doc, "catalog_key_missing")
        .iter()
        .filter(|f| f["key"] == rel(PARAMS))
        .map(|f| &f["value"])
        .collect();
    assert_eq!(
        values,
        ["Current_Protocol_Catalog", "Current_NameSpace_Catalog"]
    );
}

fn transport_invalid_when_a_listed_transport_lost_its_winsock_key() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.rename_key(&format!(r"{SERVICES}\Tcpip6\Parameters\Winsock"), "Winsocq");
    expect(
        &hive,
        "transport_invalid",
        r"Services\Tcpip6\Parameters\Winsock",
        "critical",
    );
}

fn default_provider_missing_when_tcp_was_overwritten() {
    // Key 1 (MSAFD Tcpip [TCP/IP]) overwritten with a copy of key 2 (UDP), keeping its ID.
    let Some(mut hive) = copy(WIN81) else { return };
    let tcp_id = hive.packed_item(&entry("Catalog_Entries", 1)).id();
    let mut udp = hive.packed_item(&entry("Catalog_Entries", 2));
    udp.set_id(tcp_id);
    hive.set_packed_item(&entry("Catalog_Entries", 1), &udp);
    let list = rel(&format!(r"{PROTO}\Catalog_Entries"));
    let doc = expect(&hive, "default_provider_missing", &list, "critical");
    let f = findings_of(&doc, "default_provider_missing");
    assert_eq!(f.len(), 1, "the 64-bit list is intact");
    assert_eq!(
        f[0]["evidence"]["missing"][0]["name"],
        "MSAFD Tcpip [TCP/IP]"
    );
}

fn all_control_sets_tells_where_last_known_good_differs() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.set_dword(&format!(r"{SERVICES}\AFD"), "Start", 4);
    let (exit, doc) = scan(hive.save(), &["--all-control-sets"]);
    assert_eq!(exit, 1);
    let lkg = &doc["last_known_good"];
    assert_eq!(lkg["control_set"], "ControlSet002");
    assert_eq!(lkg["differs"], true);
    assert_eq!(lkg["healthy"], true);
    assert_eq!(
        lkg["only_in_selected"],
        serde_json::json!([r"afd_disabled Services\AFD"])
    );
    let sets = doc["control_sets"].as_array().unwrap();
    assert_eq!(sets[0]["healthy"], false);
    assert_eq!(sets[1]["roles"], serde_json::json!(["last_known_good"]));
}

fn the_input_copy_is_not_modified_by_scan() {
    let Some(hive) = copy(WIN7) else { return };
    let path: PathBuf = hive.save().to_path_buf();
    let before = common::sha256_of(&path);
    let (exit, doc) = scan(&path, &[]);
    assert_eq!(exit, 0);
    assert_eq!(doc["input"]["sha256"], before);
    assert_eq!(common::sha256_of(&path), before);
}

common::registry::register_tests! {
    Hives: [
        winsock2_key_missing,
        winsock_key_missing,
        catalog_key_missing_for_the_entry_list,
        catalog_key_missing_for_the_64bit_list_and_count_of_an_x64_hive,
        catalog_key_missing_for_next_catalog_entry_id,
        catalog_gap_and_dormant_entry_from_a_renamed_key,
        catalog_count_mismatch_and_dormant_entry_from_a_lowered_count,
        catalog_gap_from_a_raised_count,
        truncated_catalog_item_short_missing_and_mistyped,
        catalog_id_conflict_duplicate_id_and_low_next_id,
        layered_provider_in_both_catalogs_of_an_x64_hive_is_grouped,
        layered_provider_report_tells_a_technician_what_to_do,
        dangling_chain_whose_layered_entry_is_gone,
        provider_path_tampered_to_a_bare_file_name,
        foreign_provider_dll_of_an_unknown_base_provider,
        known_malicious_provider_webhancer_lsp,
        known_malicious_provider_is_repaired_where_it_lies,
        foreign_namespace_provider_injected_into_the_64bit_catalog,
        namespace_entry_invalid_without_provider_id,
        catalog_arch_mismatch_when_the_64bit_ids_differ,
        stale_catalog_lock_named_after_the_serial_number,
        winsock_hook_dll_autodial_and_callout_moved,
        afd_disabled,
        tcpip_disabled_is_the_code_24_case,
        afd_starting_late_is_a_warning,
        afd_start_2_is_normal_on_nt4,
        transports_without_tcpip_is_critical,
        empty_transports_is_critical,
        current_catalog_values_missing,
        transport_invalid_when_a_listed_transport_lost_its_winsock_key,
        default_provider_missing_when_tcp_was_overwritten,
        all_control_sets_tells_where_last_known_good_differs,
        the_input_copy_is_not_modified_by_scan,
    ],
}
