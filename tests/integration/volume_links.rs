//! A volume whose `Windows`, `System32`, `config` or `SYSTEM` is a symbolic link: pointing out
//! of the volume root, every subcommand refuses and nothing outside is read or written (the
//! outside folder's listing and hashes are the same after, `repair --install` included);
//! pointing inside, it works. The hive itself is never changed except by `--install`.

use crate::common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn bundled_lsp() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("hives/win10-x64-lsp.hive")
}

/// Every file below `dir` with its sha256 and modification time, and every folder.
fn snapshot(dir: &Path) -> Vec<(PathBuf, String, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path.clone());
                out.push((path, "folder".into(), meta.modified().unwrap()));
            } else {
                out.push((
                    path.clone(),
                    common::sha256_of(&path),
                    meta.modified().unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn run(args: &[&std::ffi::OsStr]) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_winsock-doctor"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The four places a link can stand.
const LINKED: [&str; 4] = ["Windows", "System32", "config", "SYSTEM"];

/// A volume below `root` whose component `linked` is a link to `target`, where the rest of the
/// tree (with the hive and a log) is built.
fn build(root: &Path, linked: &str, target: &Path) {
    let chain = ["Windows", "System32", "config"];
    let depth = LINKED.iter().position(|c| *c == linked).unwrap();
    // Real folders above the link.
    let mut inside = root.to_path_buf();
    for name in &chain[..depth.min(3)] {
        inside.push(name);
    }
    std::fs::create_dir_all(&inside).unwrap();
    // The linked part is built at `target`.
    if linked == "SYSTEM" {
        std::fs::copy(bundled_lsp(), target).unwrap();
    } else {
        let mut below = target.to_path_buf();
        for name in &chain[depth + 1..] {
            below.push(name);
        }
        std::fs::create_dir_all(&below).unwrap();
        std::fs::copy(bundled_lsp(), below.join("SYSTEM")).unwrap();
        std::fs::copy(bundled_lsp(), below.join("SOFTWARE")).unwrap();
    }
    symlink(target, inside.join(linked)).unwrap();
}

fn commands(volume: &Path, out: &Path) -> Vec<Vec<std::ffi::OsString>> {
    let v = volume.as_os_str().to_owned();
    let hive = volume
        .join("Windows/System32/config/SYSTEM")
        .into_os_string();
    let words =
        |list: &[&str]| -> Vec<std::ffi::OsString> { list.iter().map(|w| (*w).into()).collect() };
    let with = |mut first: Vec<std::ffi::OsString>, target: &std::ffi::OsString| {
        first.push(target.clone());
        first
    };
    vec![
        with(words(&["scan", "--json"]), &v),
        with(words(&["catalog"]), &v),
        with(words(&["dlls"]), &v),
        with(words(&["discover", "--json"]), &v),
        with(words(&["scan", "--json"]), &hive),
        with(words(&["catalog"]), &hive),
        {
            let mut args = words(&["repair", "--mode", "reset", "--install"]);
            args.push(v.clone());
            args
        },
        {
            let mut args = words(&["repair", "--mode", "reset", "--out"]);
            args.push(out.as_os_str().to_owned());
            args.push(v.clone());
            args
        },
    ]
}

fn links_out_of_the_volume_are_refused_and_nothing_outside_is_read_or_written() {
    for linked in LINKED {
        let dir = tempfile::tempdir().unwrap();
        let volume = dir.path().join("volume");
        let outside = dir.path().join("outside");
        std::fs::create_dir_all(&volume).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        build(&volume, linked, &outside.join(linked));
        let before = snapshot(&outside);
        let out = dir.path().join("repaired");
        for args in commands(&volume, &out) {
            let (code, stdout, stderr) =
                run(&args.iter().map(|a| a.as_os_str()).collect::<Vec<_>>());
            let discover = args[0] == "discover";
            if discover {
                // discover lists what it searched: nothing was found, and it says why.
                assert!(
                    stdout.contains("outside the volume root"),
                    "{linked}: {args:?}: {stdout}"
                );
                assert!(
                    !stdout.contains("\"system_hive\""),
                    "{linked}: {args:?}: {stdout}"
                );
            } else {
                assert_eq!(
                    code,
                    Some(2),
                    "{linked}: {args:?} must be refused: {stdout}{stderr}"
                );
                assert!(
                    stderr.contains("outside the volume root"),
                    "{linked}: {args:?}: {stderr}"
                );
            }
            assert!(!out.exists(), "{linked}: {args:?} wrote its output");
            assert_eq!(
                snapshot(&outside),
                before,
                "{linked}: {args:?} touched the outside"
            );
        }
    }
}

fn links_inside_the_volume_are_followed() {
    for linked in LINKED {
        let dir = tempfile::tempdir().unwrap();
        let volume = dir.path().join("volume");
        // Deep enough that the link's target is not itself a Windows folder of the volume.
        let elsewhere = volume.join("elsewhere/deep");
        std::fs::create_dir_all(&elsewhere).unwrap();
        build(&volume, linked, &elsewhere.join(linked));
        let (code, stdout, stderr) = run(&["scan".as_ref(), "--json".as_ref(), volume.as_os_str()]);
        assert_eq!(code, Some(1), "{linked}: the LSP is found: {stderr}");
        let document: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        assert!(document["input"]["sha256"].is_string(), "{linked}");
        let hive = volume.join("Windows/System32/config/SYSTEM");
        let before = common::sha256_of(&hive);
        let (code, _, stderr) = run(&["catalog".as_ref(), "--json".as_ref(), volume.as_os_str()]);
        assert_eq!(code, Some(0), "{linked}: {stderr}");
        assert_eq!(common::sha256_of(&hive), before);
    }
}

fn install_through_links_inside_the_volume_keeps_the_mode_and_backs_up() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let volume = dir.path().join("volume");
    std::fs::create_dir_all(volume.join("real")).unwrap();
    build(&volume, "config", &volume.join("real").join("config"));
    let hive = volume.join("real/config/SYSTEM");
    std::fs::set_permissions(&hive, std::fs::Permissions::from_mode(0o644)).unwrap();
    let original = common::sha256_of(&hive);
    let (code, _, stderr) = run(&[
        "repair".as_ref(),
        "--mode".as_ref(),
        "reset".as_ref(),
        "--install".as_ref(),
        volume.as_os_str(),
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_ne!(common::sha256_of(&hive), original, "installed in place");
    let mode = std::fs::metadata(&hive).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "an installed SYSTEM keeps its mode");
    let backup = std::fs::read_dir(volume.join("real/config"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir())
        .expect("a backup folder inside the volume");
    assert_eq!(common::sha256_of(&backup.join("SYSTEM")), original);
}

common::registry::register_tests! {
    Nothing: [
        links_out_of_the_volume_are_refused_and_nothing_outside_is_read_or_written,
        links_inside_the_volume_are_followed,
        install_through_links_inside_the_volume_keeps_the_mode_and_backs_up,
    ],
}
