use super::*;

fn bundled(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("hives")
            .join(name),
    )
    .unwrap()
}

fn kinds(report: &CheckReport) -> Vec<ProblemKind> {
    report.problems.iter().map(|p| p.kind).collect()
}

/// The one problem the check finds in `bytes`, after asserting that it is the only one and of
/// `kind`.
fn the_only_problem(bytes: &[u8], kind: ProblemKind) -> Problem {
    let report = check_hive(bytes);
    assert_eq!(kinds(&report), vec![kind], "{:#?}", report.problems);
    report.problems.into_iter().next().unwrap()
}

#[test]
fn the_bundled_hives_are_whole() {
    for name in ["win10-x64.hive", "win10-x64-lsp.hive", "winxp-sp3-x86.hive"] {
        let report = check_hive(&bundled(name));
        assert!(report.is_whole(), "{name}: {:#?}", report.problems);
        assert!(report.keys > 40 && report.values > 50, "{name}: {report:?}");
        assert!(!report.dirty);
    }
}

#[test]
fn a_value_list_pointing_into_another_key_is_a_shared_cell_under_its_key() {
    // The reproduction of issue 19: element 1 of an LSP entry's value list names a value of
    // namespace entry 5.
    let mut hive = bundled("win10-x64-lsp.hive");
    hive[0x9fe8..0x9fec].copy_from_slice(&[0xe8, 0xa8, 0, 0]);
    let report = check_hive(&hive);
    assert!(!report.is_whole());
    let shared: Vec<&Problem> = report
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::SharedCell)
        .collect();
    assert_eq!(shared.len(), 1, "{:#?}", report.problems);
    let path = shared[0].key_path.as_deref().unwrap();
    assert!(
        path.contains("NameSpace_Catalog5") || path.contains("Catalog_Entries64"),
        "{path}"
    );
    assert!(!report.all_within(&[r"ControlSet001\Services\Tcpip"]));
    assert!(report.all_within(&[r"ControlSet001\Services\WinSock2"]));
}

#[test]
fn a_bad_checksum_and_a_free_key_are_reported() {
    let mut hive = bundled("win10-x64.hive");
    hive[crate::hive::base_block::OFF_CHECKSUM] ^= 1;
    let report = check_hive(&hive);
    assert_eq!(kinds(&report), vec![ProblemKind::BaseBlock]);
    assert_eq!(report.problems[0].offset, Some(508));
}

#[test]
fn a_zeroed_bin_is_reported_and_the_walk_goes_on() {
    let mut hive = bundled("win10-x64.hive");
    let len = hive.len();
    hive[len - 4096..].fill(0);
    let report = check_hive(&hive);
    assert!(!report.is_whole());
    assert!(
        kinds(&report).contains(&ProblemKind::Bin),
        "{:#?}",
        report.problems
    );
}

#[test]
fn garbage_gives_problems_not_panics() {
    let hive = bundled("winxp-sp3-x86.hive");
    for step in [7usize, 13, 101] {
        let mut bytes = hive.clone();
        let mut at = 4096;
        while at < bytes.len() {
            bytes[at] ^= 0x5a;
            at += step * 97;
        }
        let report = check_hive(&bytes);
        assert!(!report.is_whole());
    }
    assert!(!check_hive(&hive[..100]).is_whole());
    assert!(!check_hive(&[]).is_whole());
}

/// The file offset of the data of the first allocated cell in `hive` whose data starts with
/// `signature`.
fn first_cell(hive: &[u8], signature: &[u8; 2]) -> usize {
    first_cell_where(hive, signature, |_| true)
}

/// As [`first_cell`], for the first cell whose data also satisfies `wanted`.
fn first_cell_where(hive: &[u8], signature: &[u8; 2], wanted: impl Fn(&[u8]) -> bool) -> usize {
    let mut at = 4096 + 32;
    while at + 8 < hive.len() {
        let raw = i32::from_le_bytes(hive[at..at + 4].try_into().unwrap());
        let size = raw.unsigned_abs() as usize;
        if raw < 0 && &hive[at + 4..at + 6] == signature && wanted(&hive[at + 4..at + size]) {
            return at + 4;
        }
        // Bin headers: step over them.
        at = if &hive[at..at + 4] == b"hbin" {
            at + 32
        } else {
            at + size.max(8)
        };
    }
    panic!("no {signature:?} cell");
}

#[test]
fn a_wrong_hash_a_wrong_reference_count_and_a_bad_parent_are_each_reported() {
    let hive = bundled("win10-x64.hive");

    let mut bytes = hive.clone();
    let lh = first_cell(&bytes, b"lh");
    bytes[lh + 8] ^= 1; // the hash of element 0
    let problem = the_only_problem(&bytes, ProblemKind::SubkeyList);
    assert_eq!(problem.offset, Some(lh as u64 + 8));
    assert!(problem.message.contains("name hash"));

    let mut bytes = hive.clone();
    let sk = first_cell(&bytes, b"sk");
    bytes[sk + 12] = bytes[sk + 12].wrapping_add(1); // the reference count
    let problem = the_only_problem(&bytes, ProblemKind::Security);
    assert!(problem.message.contains("reference count"));

    let mut bytes = hive.clone();
    let sk = first_cell(&bytes, b"sk");
    bytes[sk + 4..sk + 8].copy_from_slice(&0x20u32.to_le_bytes()); // flink to the root key
    let report = check_hive(&bytes);
    assert!(
        kinds(&report).contains(&ProblemKind::Security),
        "{:#?}",
        report.problems
    );

    // A subkey list element swapped with the next: out of order, and the hash no longer
    // matches element 0.
    let mut bytes = hive.clone();
    let lh = first_cell_where(&bytes, b"lh", |data| data[2] >= 2);
    let (a, b) = (lh + 4, lh + 12);
    let first: Vec<u8> = bytes[a..a + 8].to_vec();
    bytes.copy_within(b..b + 8, a);
    bytes[b..b + 8].copy_from_slice(&first);
    let report = check_hive(&bytes);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("sorted by upcased name")),
        "{:#?}",
        report.problems
    );
}

#[test]
fn referrers_name_every_key_pointing_at_a_cell() {
    let mut hive = bundled("win10-x64-lsp.hive");
    hive[0x9fe8..0x9fec].copy_from_slice(&[0xe8, 0xa8, 0, 0]);
    let base = crate::hive::base_block::BaseBlock::parse(&hive).unwrap();
    let bins = &hive[4096..4096 + base.bins_size as usize];
    let shared = 0xa8e8;
    let watched = std::collections::HashSet::from([shared]);
    let found = referrers(bins, base.root_cell_offset, base.minor_version, &watched);
    let mut users = found.of(shared).to_vec();
    users.sort_unstable();
    users.dedup();
    assert_eq!(users.len(), 2, "{users:x?}");
    assert!(found.of(0x20).is_empty());
}
