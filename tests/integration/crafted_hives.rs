//! Crafted hives that attack the reader's resources: cycles, deep chains, huge claimed sizes and
//! counts. Every subcommand that reads a hive must end on each, within 100 MiB, with a result or
//! a clean error (exit 2, one line naming the file). Speed is not asserted here (benchmarks in
//! `bench/` measure it); a generous watchdog only turns a hang into a failure.
//!
//! Each hive is built with the project's builder, then patched: the patches are what a hostile
//! hive would hold.

use crate::common::spec::{key, system_root, utf16z, value};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use winsock_doctor::hive::base_block::{OFF_BINS_SIZE, write_checksum};
use winsock_doctor::hive::builder::{ValueSpec, build_hive};
use winsock_doctor::hive::cell::NO_CELL;
use winsock_doctor::hive::hbin::{HBIN_HEADER_SIZE, HbinHeader, PAGE_SIZE};
use winsock_doctor::hive::key_node::{KEY_COMP_NAME, KeyNode};
use winsock_doctor::hive::subkey_list::{ListEntry, ListKind, SubkeyList};
use winsock_doctor::hive::value::{REG_BINARY, REG_DWORD, REG_SZ};
use winsock_doctor::winsock::packed_item::PACKED_ITEM_LEN;

const BASE: usize = 4096;
/// Hang guard only, not a speed requirement: a run still going after this long is stuck.
const HANG_LIMIT: Duration = Duration::from_secs(600);
const MEMORY_LIMIT_KB: u64 = 100 * 1024;

// Field offsets inside cell data (regf-spec).
const NK_SUBKEY_COUNT: usize = 20;
const NK_SUBKEYS_LIST: usize = 28;
const NK_VALUE_COUNT: usize = 36;
const NK_SECURITY: usize = 44;
const VK_DATA_SIZE: usize = 4;

/// A sound SYSTEM hive with one protocol entry (`000000000001`) and one namespace entry
/// (`000000000002`, in a list not named `Catalog_Entries`, so that names are unique).
fn system_hive() -> Vec<u8> {
    let mut item = vec![0u8; PACKED_ITEM_LEN];
    let path = b"%SystemRoot%\\system32\\mswsock.dll";
    item[..path.len()].copy_from_slice(path);
    item[0x12C] = 1;
    let one = 1u32.to_le_bytes().to_vec();
    // A catalog key holding one entry, `id` with `entry`, in its list `list`.
    let catalog = |name: &str, list: &str, id: &str, entry: ValueSpec| {
        let entries = key(list, vec![], vec![key(id, vec![entry], vec![])]);
        let count = value("Num_Catalog_Entries", REG_DWORD, one.clone());
        key(name, vec![count], vec![entries])
    };
    let protocol = catalog(
        "Protocol_Catalog9",
        "Catalog_Entries",
        "000000000001",
        value("PackedCatalogItem", REG_BINARY, item),
    );
    let namespace_dll = utf16z("%SystemRoot%\\system32\\NLAapi.dll");
    let namespace = catalog(
        "NameSpace_Catalog5",
        "NsCatalog_Entries",
        "000000000002",
        value("LibraryPath", REG_SZ, namespace_dll),
    );
    let current = value("Current_Protocol_Catalog", REG_SZ, utf16z("Protocol_Catalog9"));
    let parameters = key("Parameters", vec![current], vec![protocol, namespace]);
    let root = system_root(vec![value("Current", REG_DWORD, one)], parameters);
    build_hive(5, &root, 0x01d0_0000_0000_0000).unwrap()
}

fn u32_at(hive: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(hive[at..at + 4].try_into().unwrap())
}

fn put(hive: &mut [u8], at: usize, value: u32) {
    hive[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// File position of the data of the cell at hive offset `cell`.
fn data_at(cell: u32) -> usize {
    BASE + cell as usize + 4
}

/// The cell offset of the only record with signature `sig` whose compressed name (at
/// `name_at` in the cell data) is `name`.
fn find_record(hive: &[u8], sig: &[u8; 2], name_at: usize, name: &str) -> u32 {
    let found: Vec<usize> = (BASE..hive.len() - name_at - name.len())
        .step_by(8)
        .map(|cell| cell + 4)
        .filter(|&data| {
            hive[data..].starts_with(sig) && hive[data + name_at..].starts_with(name.as_bytes())
        })
        .collect();
    assert_eq!(found.len(), 1, "{name}: {found:?}");
    (found[0] - 4 - BASE) as u32
}

fn find_key(hive: &[u8], name: &str) -> u32 {
    find_record(hive, b"nk", 76, name)
}

fn finish(mut hive: Vec<u8>) -> Vec<u8> {
    write_checksum(&mut hive[..BASE]);
    hive
}

/// The cells of the key `Catalog_Entries` and of its subkey list.
fn catalog_entries_and_its_list(hive: &[u8]) -> (u32, u32) {
    let entries = find_key(hive, "Catalog_Entries");
    (entries, u32_at(hive, data_at(entries) + NK_SUBKEYS_LIST))
}

/// `Catalog_Entries` lists itself as its only subkey.
fn key_is_its_own_subkey() -> Vec<u8> {
    let mut hive = system_hive();
    let (entries, list) = catalog_entries_and_its_list(&hive);
    put(&mut hive, data_at(list) + 4, entries);
    finish(hive)
}

/// `Catalog_Entries`' subkey list is an index root whose only element is itself.
fn index_root_pointing_to_itself() -> Vec<u8> {
    let mut hive = system_hive();
    let (_, list) = catalog_entries_and_its_list(&hive);
    hive[data_at(list)..data_at(list) + 2].copy_from_slice(b"ri");
    put(&mut hive, data_at(list) + 4, list);
    finish(hive)
}

/// `Catalog_Entries`' subkey list claims 65535 elements in a cell holding one.
fn subkey_list_count_past_its_cell() -> Vec<u8> {
    let mut hive = system_hive();
    let (_, list) = catalog_entries_and_its_list(&hive);
    hive[data_at(list) + 2..data_at(list) + 4].copy_from_slice(&u16::MAX.to_le_bytes());
    finish(hive)
}

/// The PackedCatalogItem value claims 2 GiB of data.
fn value_claiming_2_gib() -> Vec<u8> {
    let mut hive = system_hive();
    let vk = find_record(&hive, b"vk", 20, "PackedCatalogItem");
    put(&mut hive, data_at(vk) + VK_DATA_SIZE, 0x7FFF_FFF8);
    finish(hive)
}

/// `Catalog_Entries` claims 2^31 subkeys, and the entry below it 2^31 values.
fn key_claiming_2_pow_31_entries() -> Vec<u8> {
    let mut hive = system_hive();
    let entries = find_key(&hive, "Catalog_Entries");
    put(&mut hive, data_at(entries) + NK_SUBKEY_COUNT, 1 << 31);
    let entry = find_key(&hive, "000000000001");
    put(&mut hive, data_at(entry) + NK_VALUE_COUNT, 1 << 31);
    finish(hive)
}

/// The base block claims 4 GiB - 4 KiB of hive bins.
fn bins_size_of_4_gib() -> Vec<u8> {
    let mut hive = system_hive();
    put(&mut hive, OFF_BINS_SIZE, 0xFFFF_F000);
    finish(hive)
}

/// A chain of `depth` nested keys named `K` below the protocol entry `000000000001`, in a hive
/// bin appended to the hive.
fn nested_chain(depth: usize) -> Vec<u8> {
    let mut hive = system_hive();
    let top = find_key(&hive, "000000000001");
    let security = u32_at(&hive, data_at(top) + NK_SECURITY);
    let bin_start = (hive.len() - BASE) as u32;
    let name = b"K";
    let node_size = (4 + 76 + name.len()).next_multiple_of(8) as u32;
    let list_size = (4 + 4 + 8usize).next_multiple_of(8) as u32;
    let used = HBIN_HEADER_SIZE + (node_size + list_size) * depth as u32;
    // Room for a trailing free cell of at least 8 bytes.
    let bin_size = (used + 8).next_multiple_of(PAGE_SIZE);
    let mut bin = vec![0u8; bin_size as usize];
    bin[..HBIN_HEADER_SIZE as usize].copy_from_slice(
        &HbinHeader {
            offset: bin_start,
            size: bin_size,
            timestamp: 0,
        }
        .encode(),
    );
    let node_at = |i: u32| bin_start + HBIN_HEADER_SIZE + i * (node_size + list_size);
    let mut cell = |offset: u32, size: u32, data: &[u8]| {
        let at = (offset - bin_start) as usize;
        bin[at..at + 4].copy_from_slice(&(-(size as i32)).to_le_bytes());
        bin[at + 4..at + 4 + data.len()].copy_from_slice(data);
    };
    for i in 0..depth as u32 {
        let last = i + 1 == depth as u32;
        let list = node_at(i) + node_size;
        let node = KeyNode {
            flags: KEY_COMP_NAME,
            parent: if i == 0 { top } else { node_at(i - 1) },
            subkey_count: u32::from(!last),
            subkeys_list: if last { NO_CELL } else { list },
            volatile_subkeys_list: NO_CELL,
            values_list: NO_CELL,
            security,
            class_name: NO_CELL,
            name_len: name.len() as u16,
            ..KeyNode::default()
        };
        cell(node_at(i), node_size, &node.encode(name));
        if !last {
            let leaf = SubkeyList {
                kind: ListKind::FastLeaf,
                entries: vec![ListEntry {
                    offset: node_at(i + 1),
                    hint_or_hash: u32::from_le_bytes(*b"K\0\0\0"),
                }],
            };
            cell(list, list_size, &leaf.encode());
        }
    }
    let free_at = (used as usize).next_multiple_of(8);
    bin[free_at..free_at + 4].copy_from_slice(&(bin_size - free_at as u32).to_le_bytes());
    hive.extend_from_slice(&bin);
    let bins_size = u32_at(&hive, OFF_BINS_SIZE) + bin_size;
    put(&mut hive, OFF_BINS_SIZE, bins_size);
    // The top key gets the chain as its only subkey.
    let leaf = SubkeyList {
        kind: ListKind::FastLeaf,
        entries: vec![ListEntry {
            offset: node_at(0),
            hint_or_hash: u32::from_le_bytes(*b"K\0\0\0"),
        }],
    };
    let encoded = leaf.encode();
    // Reuse the space of the PackedCatalogItem value's data: 888 bytes, far more than needed.
    let vk = find_record(&hive, b"vk", 20, "PackedCatalogItem");
    let item_cell = u32_at(&hive, data_at(vk) + 8);
    hive[data_at(item_cell)..data_at(item_cell) + encoded.len()].copy_from_slice(&encoded);
    put(&mut hive, data_at(top) + NK_SUBKEY_COUNT, 1);
    put(&mut hive, data_at(top) + NK_SUBKEYS_LIST, item_cell);
    finish(hive)
}

/// The peak memory could not be measured: a failure under `WINSOCK_DOCTOR_REQUIRE_HIVES=1` (as
/// in CI), else a loud message.
fn memory_not_measured(why: &str) {
    if std::env::var("WINSOCK_DOCTOR_REQUIRE_HIVES").is_ok_and(|v| v == "1") {
        panic!("WINSOCK_DOCTOR_REQUIRE_HIVES=1 but the peak memory was not measured: {why}");
    }
    eprintln!("!!!!! peak memory not measured: {why} !!!!!");
}

/// What one run of the binary did.
struct Outcome {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    max_rss_kb: Option<u64>,
    elapsed: Duration,
}

/// Run the binary with `args` (killed as hung after [`HANG_LIMIT`]); on Linux under
/// `/usr/bin/time -v` for the peak memory.
fn run(args: &[&std::ffi::OsStr]) -> Outcome {
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_winsock-doctor"));
    let time = Path::new("/usr/bin/time");
    let measured = cfg!(target_os = "linux") && time.is_file();
    let mut command = if measured {
        let mut c = Command::new(time);
        c.arg("-v").arg(&binary);
        c
    } else {
        Command::new(&binary)
    };
    let start = Instant::now();
    let mut child = command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain the pipes on threads so a large output cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut buf).unwrap();
        buf
    });
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut buf).unwrap();
        buf
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > HANG_LIMIT {
            child.kill().unwrap();
            panic!("{args:?}: hung (still running after {HANG_LIMIT:?}, killed)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let stdout = out_thread.join().unwrap();
    let mut stderr = String::from_utf8_lossy(&err_thread.join().unwrap()).into_owned();
    let mut max_rss_kb = None;
    if measured {
        // `time -v` appends its report ("Command exited with non-zero status N" first when so).
        let report_at = [
            "Command exited with non-zero status",
            "\tCommand being timed:",
        ]
        .iter()
        .filter_map(|marker| stderr.find(marker))
        .min()
        .unwrap_or(stderr.len());
        let report = stderr.split_off(report_at);
        max_rss_kb = report
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Maximum resident set size (kbytes): ")
            })
            .and_then(|n| n.parse().ok());
        if max_rss_kb.is_none() {
            memory_not_measured(&format!(
                "{args:?}: no \"Maximum resident set size\" in the report of /usr/bin/time -v:\n{report}"
            ));
        }
    } else {
        memory_not_measured("/usr/bin/time -v is missing (or this is not Linux)");
    }
    Outcome {
        code: status.code(),
        stdout,
        stderr,
        max_rss_kb,
        elapsed,
    }
}

/// Run every subcommand that reads a hive on `hive` (as a file, and inside a fake Windows
/// volume) and check the bounds; returns the outcome of `catalog --json FILE`.
fn check_every_reader(name: &str, hive: &[u8]) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("SYSTEM");
    std::fs::write(&file, hive).unwrap();
    let volume = dir.path().join("volume");
    let config = volume.join("Windows/System32/config");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("SYSTEM"), hive).unwrap();
    let runs: [Vec<&std::ffi::OsStr>; 5] = [
        vec!["catalog".as_ref(), "--json".as_ref(), file.as_os_str()],
        vec!["catalog".as_ref(), file.as_os_str()],
        vec![
            "catalog".as_ref(),
            "--all-control-sets".as_ref(),
            file.as_os_str(),
        ],
        vec!["catalog".as_ref(), volume.as_os_str()],
        vec!["dlls".as_ref(), "--json".as_ref(), volume.as_os_str()],
    ];
    let mut first = None;
    for args in runs {
        let outcome = run(&args);
        let what = format!("{name}: {args:?}");
        assert!(
            !outcome.stderr.contains("panicked"),
            "{what}: {}",
            outcome.stderr
        );
        match outcome.code {
            Some(0) => {}
            Some(2) => {
                assert!(
                    outcome.stderr.starts_with("winsock-doctor: ")
                        && outcome.stderr.lines().count() == 1
                        && outcome.stderr.contains("SYSTEM"),
                    "{what}: one line naming the file: {}",
                    outcome.stderr
                );
            }
            other => panic!("{what}: exit {other:?}: {}", outcome.stderr),
        }
        if let Some(kb) = outcome.max_rss_kb {
            assert!(kb < MEMORY_LIMIT_KB, "{what}: peak memory {kb} KiB");
        }
        eprintln!(
            "{what}: exit {:?} in {:?}, {:?} KiB",
            outcome.code, outcome.elapsed, outcome.max_rss_kb
        );
        first.get_or_insert(outcome);
    }
    first.unwrap()
}

fn json(outcome: &Outcome) -> serde_json::Value {
    assert_eq!(outcome.code, Some(0), "{}", outcome.stderr);
    serde_json::from_slice(&outcome.stdout).unwrap()
}

fn protocol_entries(doc: &serde_json::Value) -> &serde_json::Value {
    &doc["protocol_catalogs"][0]["entries"]
}

fn the_sound_hive_reads() {
    let doc = json(&check_every_reader("sound", &system_hive()));
    assert_eq!(protocol_entries(&doc)[0]["key"], "000000000001");
}

fn a_key_that_is_its_own_subkey_ends() {
    let outcome = check_every_reader("own subkey", &key_is_its_own_subkey());
    let doc = json(&outcome);
    // The list holds Catalog_Entries itself: reported as an entry named so, not followed.
    assert_eq!(protocol_entries(&doc)[0]["key"], "Catalog_Entries");
}

/// The error of an unreadable list is recorded for the catalog holding it, with the offset.
fn assert_catalog_error(doc: &serde_json::Value, offset: &str) {
    let errors = doc["read_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc:#}");
    assert!(
        errors[0]["key"]
            .as_str()
            .unwrap()
            .ends_with("Protocol_Catalog9")
            && errors[0]["error"].as_str().unwrap().contains(offset),
        "{doc:#}"
    );
}

fn an_index_root_pointing_to_itself_is_an_error_for_that_catalog() {
    let hive = index_root_pointing_to_itself();
    let doc = json(&check_every_reader("ri loop", &hive));
    assert_catalog_error(&doc, "expected the signature");
}

fn a_subkey_list_count_past_its_cell_is_an_error_for_that_catalog() {
    let hive = subkey_list_count_past_its_cell();
    let doc = json(&check_every_reader("count past cell", &hive));
    assert_catalog_error(&doc, "claims 524280 bytes"); // 65535 elements of 8 bytes
}

fn a_value_claiming_2_gib_is_an_error_for_that_entry() {
    let doc = json(&check_every_reader("2 GiB value", &value_claiming_2_gib()));
    let entry = &protocol_entries(&doc)[0];
    assert!(entry["error"].is_string(), "{entry:#}");
}

fn a_key_claiming_2_pow_31_entries_is_an_error_for_that_entry() {
    let outcome = check_every_reader("2^31 entries", &key_claiming_2_pow_31_entries());
    let doc = json(&outcome);
    // The subkey count of the key node is not used (the list's own count is); the value count
    // is, and the list cannot hold 2^31 offsets of 4 bytes.
    let entry = &protocol_entries(&doc)[0];
    assert_eq!(entry["key"], "000000000001");
    assert!(
        entry["error"]
            .as_str()
            .unwrap()
            .contains("claims 8589934592 bytes"),
        "{entry:#}"
    );
}

fn a_4_gib_bins_size_is_refused() {
    let outcome = check_every_reader("4 GiB bins", &bins_size_of_4_gib());
    assert_eq!(outcome.code, Some(2));
    assert!(
        outcome.stderr.contains("4294963200 bytes of hive bins"),
        "{}",
        outcome.stderr
    );
}

fn a_chain_of_100000_nested_keys_ends() {
    let hive = nested_chain(100_000);
    let doc = json(&check_every_reader("100000 nested keys", &hive));
    assert_eq!(protocol_entries(&doc)[0]["subkeys"][0], "K");
}

crate::common::registry::register_tests! {
    Nothing: [
        the_sound_hive_reads,
        a_key_that_is_its_own_subkey_ends,
        an_index_root_pointing_to_itself_is_an_error_for_that_catalog,
        a_subkey_list_count_past_its_cell_is_an_error_for_that_catalog,
        a_value_claiming_2_gib_is_an_error_for_that_entry,
        a_key_claiming_2_pow_31_entries_is_an_error_for_that_entry,
        a_4_gib_bins_size_is_refused,
        a_chain_of_100000_nested_keys_ends,
    ],
}
