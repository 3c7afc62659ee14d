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
