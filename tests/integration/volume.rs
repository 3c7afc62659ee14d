//! Volume mode on fake volumes: a temp folder with a mixed-case `WINDOWS/system32/Config/system`
//! (a copy of a real hive) and small PE files generated here, placed where Windows would load
//! them from. Expected hive facts come from manifest.json.

use crate::common;

use std::path::{Path, PathBuf};

use common::cli::{array, doctor, findings_of, json};
use common::pe::{self, Bits, Version};
use serde_json::Value;
use winsock_doctor::volume::target::Target;

const X64_HIVE: &str = "real/win10-1709-x64-dirty-with-logs/expected/SYSTEM.recovered";
const X64_LOG: &str = "real/win10-1709-x64-dirty-with-logs/SYSTEM.LOG1";
const X86_HIVE: &str = "real/winxp-sp3-x86-m57/SYSTEM";
const MSWSOCK: &str = r"%SystemRoot%\system32\mswsock.dll";

/// `<tmp>/vol/<windows>/system32/Config/system`, a copy of the hive `relative`.
struct FakeVolume {
    _dir: tempfile::TempDir,
    /// A folder beside the volume, for files that must never be read.
    outside: PathBuf,
    root: PathBuf,
    windows: PathBuf,
    hive: PathBuf,
}

impl FakeVolume {
    fn new(hives: &Path, relative: &str, windows: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("vol");
        let windows = root.join(windows);
        let config = windows.join("system32").join("Config");
        std::fs::create_dir_all(&config).unwrap();
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        let hive = config.join("system");
        std::fs::copy(hives.join(relative), &hive).unwrap();
        Self {
            _dir: dir,
            outside,
            root,
            windows,
            hive,
        }
    }

    /// Write a DLL at `<Windows>/<folder>/<name>`, in the folder's existing spelling if any.
    fn dll(&self, folder: &str, name: &str, bytes: &[u8]) -> PathBuf {
        let dir = self.folder(folder);
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// `<Windows>/<name>` as it exists in any letter case, else created as spelled.
    fn folder(&self, name: &str) -> PathBuf {
        let existing = std::fs::read_dir(&self.windows)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().eq_ignore_ascii_case(name));
        existing.unwrap_or_else(|| {
            let dir = self.windows.join(name);
            std::fs::create_dir_all(&dir).unwrap();
            dir
        })
    }
}

fn microsoft(bits: Bits, fixed: [u16; 4]) -> Vec<u8> {
    pe::dll(
        bits,
        Some(&Version {
            strings: &[
                ("CompanyName", "Microsoft Corporation"),
                ("FileVersion", "10.0.16299.15 (WinBuild.160101.0800)"),
                ("OriginalFilename", "mswsock.dll"),
                ("ProductName", "Microsoft® Windows® Operating System"),
            ],
            fixed,
        }),
    )
}

fn run(args: &[&std::ffi::OsStr]) -> Value {
    json(doctor().args(args))
}

fn dlls_json(target: &Path) -> Value {
    run(&["dlls".as_ref(), "--json".as_ref(), target.as_os_str()])
}

/// The check of `stored` (case-insensitively) in `view`.
fn check<'a>(doc: &'a Value, stored: &str, view: &str) -> &'a Value {
    array(doc, "dlls")
        .iter()
        .find(|d| {
            d["view"] == view
                && d["stored_path"]
                    .as_str()
                    .unwrap()
                    .eq_ignore_ascii_case(stored)
        })
        .unwrap_or_else(|| panic!("no {view} check of {stored}"))
}

/// An x64 volume whose first `PackedCatalogItem` names `path` instead of the system's
/// mswsock.dll (patched in place, ANSI, NUL-terminated: `path` must be no longer).
fn volume_naming(path: &str) -> Option<FakeVolume> {
    let volume = FakeVolume::new(&common::hives_dir()?, X64_HIVE, "Windows");
    let hive = &volume.hive;
    let mut bytes = std::fs::read(hive).unwrap();
    let original = format!("{MSWSOCK}\0");
    let at = bytes
        .windows(original.len())
        .position(|w| w == original.as_bytes())
        .expect("an ANSI library path in the hive");
    let mut replacement = path.as_bytes().to_vec();
    replacement.resize(original.len(), 0);
    bytes[at..at + original.len()].copy_from_slice(&replacement);
    std::fs::write(hive, &bytes).unwrap();
    Some(volume)
}

fn references(check: &Value, role: &str) -> usize {
    check["references"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["role"] == role)
        .count()
}

fn target_resolves_the_volume_the_windows_folder_and_the_hive_alike() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = FakeVolume::new(&hives, X64_HIVE, "WINDOWS");
    let config = volume.hive.parent().unwrap();
    std::fs::copy(hives.join(X64_LOG), config.join("SYSTEM.log1")).unwrap();
    std::fs::write(config.join("Software"), b"").unwrap();

    for given in [&volume.root, &volume.windows, &volume.hive] {
        let target = Target::resolve(given).unwrap();
        assert_eq!(target.system_hive, volume.hive, "from {}", given.display());
        assert_eq!(target.windows_dir.as_ref(), Some(&volume.windows));
        assert_eq!(target.volume_root.as_ref(), Some(&volume.root));
        assert_eq!(target.system_logs, vec![config.join("SYSTEM.log1")]);
        assert_eq!(target.software_hive, Some(config.join("Software")));
    }

    // A hive file outside any Windows tree is still a target, without folders.
    let loose = volume.outside.join("SYSTEM");
    std::fs::copy(&volume.hive, &loose).unwrap();
    let target = Target::resolve(&loose).unwrap();
    assert_eq!((target.windows_dir, target.volume_root), (None, None));

    // A folder without Windows is not.
    let empty = tempfile::tempdir().unwrap();
    let error = Target::resolve(empty.path()).unwrap_err().to_string();
    assert!(error.contains("no Windows installation"), "{error}");

    // `catalog` reads the same hive whichever way it is named.
    let manifest = common::manifest(&hives);
    let expected = common::hive_facts(&manifest, X64_HIVE);
    for given in [&volume.root, &volume.windows] {
        let doc = run(&["catalog".as_ref(), "--json".as_ref(), given.as_os_str()]);
        assert_eq!(doc["input"]["path"], volume.hive.to_str().unwrap());
        assert_eq!(doc["input"]["sha256"], expected["sha256"]);
    }
}

fn discover_lists_installations_under_each_root() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let x64 = FakeVolume::new(&hives, X64_HIVE, "Windows");
    let xp = FakeVolume::new(&hives, X86_HIVE, "WINNT");
    let empty = tempfile::tempdir().unwrap();
    let doc = run(&[
        "discover".as_ref(),
        "--json".as_ref(),
        x64.root.as_os_str(),
        xp.windows.as_os_str(),
        empty.path().as_os_str(),
    ]);
    let found: Vec<&str> = array(&doc, "installations")
        .iter()
        .map(|i| i["system_hive"].as_str().unwrap())
        .collect();
    assert_eq!(
        found,
        [x64.hive.to_str().unwrap(), xp.hive.to_str().unwrap()]
    );
    let counts: Vec<u64> = doc["searched"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["installations"].as_u64().unwrap())
        .collect();
    assert_eq!(counts, [1, 1, 0]);
}

fn x64_volume_32_bit_catalog_resolves_through_syswow64() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let manifest = common::manifest(&hives);
    let expected = common::hive_facts(&manifest, X64_HIVE);
    let volume = FakeVolume::new(&hives, X64_HIVE, "WINDOWS");
    let native = volume.dll(
        "System32",
        "MSWSOCK.DLL",
        &microsoft(Bits::Pe32Plus, [10, 0, 16299, 15]),
    );
    let wow = volume.dll(
        "SysWOW64",
        "mswsock.dll",
        &microsoft(Bits::Pe32, [10, 0, 16299, 14]),
    );
    // A third-party DLL in place of a WSH helper, and one without a version resource.
    volume.dll(
        "system32",
        "wshtcpip.dll",
        &pe::dll(
            Bits::Pe32Plus,
            Some(&Version {
                strings: &[("CompanyName", "Evil Corp"), ("FileVersion", "6.6.6")],
                fixed: [6, 6, 6, 0],
            }),
        ),
    );
    volume.dll("system32", "wship6.dll", &pe::dll(Bits::Pe32Plus, None));

    let doc = dlls_json(&volume.root);
    assert_eq!(doc["wow64_catalogs"], true);

    let wow_check = check(&doc, MSWSOCK, "wow64");
    assert_eq!(wow_check["status"], "found");
    assert_eq!(wow_check["path"], wow.to_str().unwrap());
    assert_eq!(wow_check["sha256"], common::sha256_of(&wow));
    assert_eq!(wow_check["size"], std::fs::metadata(&wow).unwrap().len());
    assert_eq!(
        wow_check["version"]["company_name"],
        "Microsoft Corporation"
    );
    assert_eq!(wow_check["version"]["fixed_file_version"], "10.0.16299.14");
    assert_eq!(wow_check["version"]["original_filename"], "mswsock.dll");

    let native_check = check(&doc, MSWSOCK, "native");
    assert_eq!(native_check["path"], native.to_str().unwrap());
    assert_eq!(native_check["sha256"], common::sha256_of(&native));
    assert_eq!(
        native_check["version"]["fixed_file_version"],
        "10.0.16299.15"
    );

    // Every 32-bit protocol entry naming mswsock is in the 32-bit check (manifest count).
    let expected_mswsock = expected["protocol_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["dll_path"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case(MSWSOCK)
        })
        .count();
    assert!(expected_mswsock > 0);
    assert_eq!(references(wow_check, "protocol_provider"), expected_mswsock);
    for reference in wow_check["references"].as_array().unwrap() {
        let key = reference["key"].as_str().unwrap();
        assert!(key.contains(r"\Catalog_Entries\"), "{key}");
    }

    // Nothing else is on the volume: missing, as warnings (none is a base protocol provider).
    let napinsp = check(&doc, r"%SystemRoot%\system32\napinsp.dll", "native");
    assert_eq!(napinsp["status"], "missing");
    let missing = findings_of(&doc, "provider_dll_missing");
    assert!(
        missing.iter().all(|f| f["severity"] == "warning"),
        "{missing:?}"
    );
    assert!(
        missing
            .iter()
            .any(|f| f["evidence"]["stored_path"] == napinsp["stored_path"])
    );
    let autodial = expected["winsock2_parameters"]["AutodialDLL"]
        .as_str()
        .unwrap();
    assert_eq!(check(&doc, autodial, "native")["status"], "missing");

    let not_microsoft = findings_of(&doc, "provider_dll_not_microsoft");
    let flagged: Vec<&str> = not_microsoft
        .iter()
        .map(|f| f["evidence"]["stored_path"].as_str().unwrap())
        .collect();
    assert_eq!(flagged.len(), 2, "{flagged:?}");
    assert!(
        flagged
            .iter()
            .any(|p| p.to_ascii_lowercase().ends_with("wshtcpip.dll"))
    );
    assert!(
        flagged
            .iter()
            .any(|p| p.to_ascii_lowercase().ends_with("wship6.dll"))
    );
}

fn x86_volume_missing_base_provider_is_critical() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = FakeVolume::new(&hives, X86_HIVE, "WINDOWS");
    // A SysWOW64 copy must not count on a 32-bit system.
    volume.dll(
        "SysWOW64",
        "mswsock.dll",
        &microsoft(Bits::Pe32, [5, 1, 2600, 5512]),
    );
    let doc = dlls_json(&volume.windows);
    assert_eq!(doc["wow64_catalogs"], false);
    let mswsock = check(&doc, MSWSOCK, "native");
    assert_eq!(mswsock["status"], "missing");
    // Every DLL of a base provider (manifest: ChainLen 1) is missing: each one is critical.
    let manifest = common::manifest(&hives);
    let mut expected: Vec<String> = common::hive_facts(&manifest, X86_HIVE)["protocol_entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["ChainLen"] == 1)
        .map(|e| e["dll_path"].as_str().unwrap().to_ascii_uppercase())
        .collect();
    expected.sort();
    expected.dedup();
    assert!(expected.contains(&MSWSOCK.to_ascii_uppercase()));
    let mut critical: Vec<String> = findings_of(&doc, "provider_dll_missing")
        .into_iter()
        .filter(|f| f["severity"] == "critical")
        .map(|f| {
            f["evidence"]["stored_path"]
                .as_str()
                .unwrap()
                .to_ascii_uppercase()
        })
        .collect();
    critical.sort();
    assert_eq!(critical, expected);

    // scan of the volume says the same, next to the registry findings, and fails the verdict.
    let output = doctor()
        .args(["scan".as_ref(), "--json".as_ref(), volume.root.as_os_str()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "problems found");
    let scan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(scan["healthy"], false);
    let mut from_scan: Vec<String> = findings_of(&scan, "provider_dll_missing")
        .into_iter()
        .filter(|f| f["severity"] == "critical")
        .map(|f| {
            assert!(f["key"].as_str().unwrap().starts_with("Services\\WinSock2"));
            f["evidence"]["stored_path"]
                .as_str()
                .unwrap()
                .to_ascii_uppercase()
        })
        .collect();
    from_scan.sort();
    assert_eq!(from_scan, expected);
}

#[cfg(unix)]
/// Files Windows cannot load pass as "found" no longer: an empty mswsock.dll, a text file named
/// wshtcpip.dll and a 32-bit wship6.dll in System32 of an x64 Windows are critical, and the hint
/// is the offline system file check, not a catalog reset.
fn dlls_windows_cannot_load_are_critical_with_the_system_file_check() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = FakeVolume::new(&hives, X64_HIVE, "Windows");
    volume.dll("System32", "mswsock.dll", b"");
    volume.dll("System32", "wshtcpip.dll", b"This is not a DLL.\r\n");
    volume.dll(
        "System32",
        "wship6.dll",
        &microsoft(Bits::Pe32, [10, 0, 1, 0]),
    );
    volume.dll(
        "SysWOW64",
        "mswsock.dll",
        &microsoft(Bits::Pe32, [10, 0, 1, 0]),
    );
    let output = doctor()
        .args(["scan", "--json"])
        .arg(&volume.root)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let about = |code: &str, file: &str| -> Value {
        findings_of(&doc, code)
            .into_iter()
            .find(|f| {
                f["evidence"]["stored_path"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .ends_with(file)
                    && f["evidence"]["view"] == "native"
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {code} for {file}: {:#}", doc["findings"]))
    };
    for (code, file, says) in [
        ("provider_dll_unloadable", "mswsock.dll", "empty"),
        ("provider_dll_unloadable", "wshtcpip.dll", "not a PE image"),
        ("provider_dll_wrong_arch", "wship6.dll", "32-bit image"),
    ] {
        let finding = about(code, file);
        assert_eq!(finding["severity"], "critical", "{finding:#}");
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.contains("Windows cannot load it") && message.contains(says),
            "{message}"
        );
        assert_eq!(
            finding["repair"]["command"], r"sfc /scannow /offbootdir=D:\ /offwindir=D:\Windows",
            "{finding:#}"
        );
        assert_eq!(finding["repair"]["mode"], Value::Null);
    }
    // The 32-bit mswsock in SysWOW64 is where it belongs.
    assert!(
        findings_of(&doc, "provider_dll_wrong_arch")
            .iter()
            .all(|f| f["evidence"]["view"] == "native")
    );
    // An unloadable file is not also "not Microsoft's".
    assert!(
        findings_of(&doc, "provider_dll_not_microsoft")
            .iter()
            .all(|f| {
                !f["evidence"]["stored_path"]
                    .as_str()
                    .unwrap()
                    .to_ascii_lowercase()
                    .ends_with("mswsock.dll")
            })
    );
}

#[cfg(unix)] // the link is made with std::os::unix
fn a_link_out_of_the_volume_is_reported_and_not_read() {
    let Some(hives) = common::hives_dir() else {
        return;
    };
    let volume = FakeVolume::new(&hives, X64_HIVE, "Windows");
    let secret = volume.outside.join("wshqos.dll");
    std::fs::write(&secret, microsoft(Bits::Pe32Plus, [1, 2, 3, 4])).unwrap();
    std::os::unix::fs::symlink(&secret, volume.folder("System32").join("wshqos.dll")).unwrap();

    let doc = dlls_json(&volume.root);
    let wshqos = check(&doc, r"%SystemRoot%\system32\wshqos.dll", "native");
    assert_eq!(wshqos["status"], "outside_volume");
    assert!(wshqos["sha256"].is_null() && wshqos["size"].is_null() && wshqos["version"].is_null());
    assert!(
        wshqos["detail"]
            .as_str()
            .unwrap()
            .contains("outside the volume"),
        "{wshqos}"
    );
    assert!(
        findings_of(&doc, "provider_dll_outside_volume")
            .iter()
            .any(|f| f["evidence"]["stored_path"] == wshqos["stored_path"])
    );
}

fn a_parent_path_in_a_catalog_entry_is_reported_and_not_read() {
    let crafted = r"%SystemRoot%\..\..\outside\x.dll";
    let Some(volume) = volume_naming(crafted) else {
        return;
    };
    std::fs::write(
        volume.outside.join("x.dll"),
        microsoft(Bits::Pe32, [1, 0, 0, 0]),
    )
    .unwrap();

    let doc = dlls_json(&volume.root);
    let crafted_check = doc["dlls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stored_path"] == crafted)
        .expect("the crafted path is checked");
    assert_eq!(crafted_check["status"], "outside_volume");
    assert!(crafted_check["sha256"].is_null() && crafted_check["path"].is_null());
    assert_eq!(references(crafted_check, "protocol_provider"), 1);
}

fn a_dll_on_another_drive_is_reported_and_not_read() {
    let on_d = r"D:\Tools\lsp.dll";
    let Some(volume) = volume_naming(on_d) else {
        return;
    };

    let doc = dlls_json(&volume.root);
    let on_d_check = array(&doc, "dlls")
        .iter()
        .find(|d| d["stored_path"] == on_d)
        .expect("the path on D: is checked");
    assert_eq!(on_d_check["status"], "other_drive");
    assert!(on_d_check["sha256"].is_null() && on_d_check["path"].is_null());
    let finding = findings_of(&doc, "provider_dll_outside_volume")
        .into_iter()
        .find(|f| f["evidence"]["stored_path"] == on_d)
        .expect("a DLL on another drive is reported");
    assert_eq!(finding["severity"], "warning");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("is not on this volume (on drive D:"),
        "{finding:#}"
    );
}

fn damaged_pe_files_give_errors_not_panics() {
    let good = microsoft(Bits::Pe32Plus, [10, 0, 1, 2]);
    assert!(winsock_doctor::volume::pe_version::read_version(&good).is_ok());
    for at in 0..good.len() {
        for byte in [0x00, 0xFF, 0x7F] {
            let mut bad = good.clone();
            bad[at] = byte;
            let _ = winsock_doctor::volume::pe_version::read_version(&bad);
        }
        let _ = winsock_doctor::volume::pe_version::read_version(&good[..at]);
    }
}

common::registry::register_tests! {
    Nothing: [
        damaged_pe_files_give_errors_not_panics,
    ],
    Hives: [
        target_resolves_the_volume_the_windows_folder_and_the_hive_alike,
        discover_lists_installations_under_each_root,
        x64_volume_32_bit_catalog_resolves_through_syswow64,
        x86_volume_missing_base_provider_is_critical,
        #[cfg(unix)] dlls_windows_cannot_load_are_critical_with_the_system_file_check,
        #[cfg(unix)] a_link_out_of_the_volume_is_reported_and_not_read,
        a_dll_on_another_drive_is_reported_and_not_read,
        a_parent_path_in_a_catalog_entry_is_reported_and_not_read,
    ],
}
