//! Each fault built into a copy of a real hive is repaired by the command `scan` names in the
//! finding's repair hint, `scan` of the output is healthy, the peers accept it and nothing
//! outside the keys the repair may change differs from the faulty input.

use crate::common;

use std::path::Path;

use common::patchable::{NS, PROTO, SERVICES, WIN7, WIN10, XP, copy, entry};
use common::repair::{assert_healthy, assert_written_hive_ok, keys_changed_by, repair, scan};
use winsock_doctor::hive::editor::Editor;

/// Edit the saved copy with the hive editor (for faults that add or delete keys).
fn edit(path: &Path, change: impl FnOnce(&mut Editor)) {
    let mut editor = Editor::open(&std::fs::read(path).unwrap()).unwrap();
    change(&mut editor);
    std::fs::write(path, editor.finish()).unwrap();
}

/// Scan `input`, expect `code`, run the repair its hint names, and check the output.
fn repaired_by_hint(input: &Path, code: &str) {
    let (exit, doc) = scan(input);
    assert_eq!(exit, 1, "the fault is found");
    let finding = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code}: {:#}", doc["findings"]));
    let hint = &finding["repair"];
    let mut args: Vec<String> = Vec::new();
    if let Some(mode) = hint["mode"].as_str() {
        args.extend(["--mode".to_string(), mode.to_string()]);
    }
    for option in hint["options"].as_array().unwrap() {
        args.push(option.as_str().unwrap().to_string());
    }
    assert!(!args.is_empty(), "{code} names a repair");
    let before = common::sha256_of(input);
    let out = input.with_file_name("SYSTEM.repaired");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let report = repair(input, &out, &args);
    assert_eq!(report["status"], "repaired", "{report:#}");
    assert_eq!(common::sha256_of(input), before, "the input changed");
    assert_eq!(report["verification"]["healthy"], true, "{report:#}");
    assert_healthy(&out);
    assert_written_hive_ok(input, &out, &keys_changed_by(&args));
    the_command_to_run_fixes_it(input, &doc);
}

/// The one command of scan's "What to run", run as printed with OUT substituted, succeeds and
/// its output scans healthy.
fn the_command_to_run_fixes_it(input: &Path, doc: &serde_json::Value) {
    let printed = doc["what_to_run"]["command"]
        .as_str()
        .unwrap_or_else(|| panic!("no command to run: {:#}", doc["what_to_run"]));
    let out = input.with_file_name("SYSTEM.what-to-run");
    let bin = assert_cmd::cargo::cargo_bin("winsock-doctor");
    let line = printed
        .replacen("winsock-doctor", bin.to_str().unwrap(), 1)
        .replace(" --out OUT", &format!(" --out {}", out.display()));
    let run = std::process::Command::new("bash")
        .args(["-c", &line])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{printed}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_healthy(&out);
    let words: Vec<&str> = printed.split_whitespace().collect();
    assert_written_hive_ok(input, &out, &keys_changed_by(&words));
}

fn gap_from_a_deleted_entry_key_is_fixed() {
    // Key 8 is a NetBIOS binding: an entry Windows does not always have, so after closing
    // the gap nothing expected is missing.
    let Some(hive) = copy(XP) else { return };
    let path = hive.save().to_path_buf();
    edit(&path, |e| {
        assert!(e.delete_key(&entry("Catalog_Entries", 8)).unwrap());
    });
    repaired_by_hint(&path, "catalog_gap");
}

fn gap_and_dormant_key_in_the_64bit_list_are_fixed() {
    // A cleaner moved key 5 past the count (HJT-style renumbering gone wrong).
    let Some(mut hive) = copy(WIN10) else { return };
    hive.rename_key(&entry("Catalog_Entries64", 5), "000000000099");
    repaired_by_hint(hive.save(), "catalog_gap");
}

fn lowered_count_is_fixed() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.set_dword(PROTO, "Num_Catalog_Entries", 23);
    repaired_by_hint(hive.save(), "catalog_count_mismatch");
}

fn truncated_entry_is_reset() {
    let Some(mut hive) = copy(WIN7) else { return };
    hive.shorten_value(&entry("Catalog_Entries", 2), "PackedCatalogItem", 600);
    repaired_by_hint(hive.save(), "truncated_catalog_item");
}

/// KB 811259 step 1: both Winsock keys of the hive at `path` deleted. Returns `path`.
fn delete_winsock_keys(path: &Path) -> &Path {
    edit(path, |e| {
        assert!(e.delete_key(&format!(r"{SERVICES}\WinSock2")).unwrap());
        assert!(e.delete_key(&format!(r"{SERVICES}\Winsock")).unwrap());
    });
    path
}

fn deleted_winsock_keys_are_recreated_xp() {
    let Some(hive) = copy(XP) else { return };
    repaired_by_hint(delete_winsock_keys(hive.save()), "winsock2_key_missing");
}

fn deleted_winsock_keys_are_recreated_win7() {
    let Some(hive) = copy(WIN7) else { return };
    repaired_by_hint(delete_winsock_keys(hive.save()), "winsock_key_missing");
}

/// KB 811259 step 1 on Windows 10: its services pin the family, so the rebuilt catalog is
/// Windows 10's (Hyper-V RAW, AF_UNIX, Bluetooth), never Vista/7's.
fn deleted_winsock_keys_are_recreated_win10_as_windows_10() {
    let Some(hive) = copy(WIN10) else { return };
    let path = delete_winsock_keys(hive.save());
    let (_, doc) = scan(path);
    assert_eq!(doc["windows"]["family"], "win10_11", "{:#}", doc["windows"]);
    assert_eq!(doc["windows"]["pinned"], true);
    repaired_by_hint(path, "winsock_key_missing");
    let out = path.with_file_name("SYSTEM.repaired");
    let names: Vec<String> = common::repair::catalogs(&out)
        .selected
        .protocol_catalogs
        .iter()
        .flat_map(|list| &list.entries)
        .filter_map(|entry| entry.item.as_ref().map(|item| item.sz_protocol.clone()))
        .collect();
    for provider in ["Hyper-V RAW", "AF_UNIX", "MSAFD RfComm [Bluetooth]"] {
        assert!(
            names.iter().any(|n| n == provider),
            "{provider} missing: {names:?}"
        );
    }
}

/// KB 811259 step 1 on a hive whose family nothing pins (the bundled Windows 10 hive has only
/// the services Winsock needs): reset refuses with the way to pin it, and with `--windows 10
/// --arch amd64` writes the Windows 10 catalog.
fn reset_of_an_unpinned_family_refuses_until_the_version_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("SYSTEM");
    std::fs::copy("hives/win10-x64.hive", &path).unwrap();
    delete_winsock_keys(&path);
    let out = dir.path().join("SYSTEM.repaired");
    let stderr = common::repair::repair_refused(&path, &out, &["--mode", "reset"]);
    assert!(stderr.contains("--windows"), "{stderr}");
    assert!(stderr.contains("--software"), "{stderr}");
    let report = repair(
        &path,
        &out,
        &["--mode", "reset", "--windows", "10", "--arch", "amd64"],
    );
    assert_eq!(report["windows"]["family"], "win10_11");
    assert_eq!(report["windows"]["pinned"], true);
    let catalogs = common::repair::catalogs(&out);
    let lists: Vec<&str> = catalogs
        .selected
        .protocol_catalogs
        .iter()
        .filter(|l| l.present)
        .map(|l| l.name.as_str())
        .collect();
    assert_eq!(lists, ["Catalog_Entries", "Catalog_Entries64"]);
    assert_healthy(&out);
    assert_written_hive_ok(&path, &out, &keys_changed_by(&[]));
}

fn stale_locks_are_deleted() {
    let Some(hive) = copy(XP) else { return };
    let serial = u32::from_le_bytes(
        hive.read_value(PROTO, "Serial_Access_Num")
            .try_into()
            .unwrap(),
    );
    let ns_serial =
        u32::from_le_bytes(hive.read_value(NS, "Serial_Access_Num").try_into().unwrap());
    let path = hive.save().to_path_buf();
    edit(&path, |e| {
        e.create_key(&format!(r"{PROTO}\{serial:08X}")).unwrap();
        e.create_key(&format!(r"{NS}\{ns_serial:08X}")).unwrap();
    });
    repaired_by_hint(&path, "stale_catalog_lock");
}

fn tampered_microsoft_path_is_reset() {
    let Some(mut hive) = copy(WIN10) else { return };
    let key = entry("Catalog_Entries64", 3);
    let mut item = hive.packed_item(&key);
    item.path(r"C:\Users\Public\mswsock.dll");
    hive.set_packed_item(&key, &item);
    repaired_by_hint(hive.save(), "provider_path_tampered");
}

fn disabled_afd_and_tcpip_are_fixed_with_fix_services() {
    let Some(mut hive) = copy(XP) else { return };
    hive.set_dword(&format!(r"{SERVICES}\AFD"), "Start", 4);
    hive.set_dword(&format!(r"{SERVICES}\Tcpip"), "Start", 4);
    let path = hive.save().to_path_buf();
    repaired_by_hint(&path, "afd_disabled");
}

fn foreign_namespace_provider_is_reset_with_reset_namespace() {
    let Some(mut hive) = copy(WIN7) else { return };
    let key = format!(r"{NS}\Catalog_Entries\000000000002");
    hive.set_string(&key, "LibraryPath", r"C:\Users\Public\napinsp.dll");
    repaired_by_hint(hive.save(), "foreign_namespace_provider");
}

fn hook_dlls_moved_out_of_the_system_directory_are_put_back() {
    let Some(mut hive) = copy(WIN10) else { return };
    hive.move_hook_dlls();
    let path = hive.save().to_path_buf();
    repaired_by_hint(&path, "winsock_hook_dll");
}

common::registry::register_tests! {
    Nothing: [
        reset_of_an_unpinned_family_refuses_until_the_version_is_named,
    ],
    Hives: [
        gap_from_a_deleted_entry_key_is_fixed,
        gap_and_dormant_key_in_the_64bit_list_are_fixed,
        lowered_count_is_fixed,
        truncated_entry_is_reset,
        deleted_winsock_keys_are_recreated_xp,
        deleted_winsock_keys_are_recreated_win7,
        deleted_winsock_keys_are_recreated_win10_as_windows_10,
        stale_locks_are_deleted,
        tampered_microsoft_path_is_reset,
        disabled_afd_and_tcpip_are_fixed_with_fix_services,
        foreign_namespace_provider_is_reset_with_reset_namespace,
        hook_dlls_moved_out_of_the_system_directory_are_put_back,
    ],
}
