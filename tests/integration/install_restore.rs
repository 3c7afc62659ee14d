//! `repair --install` and `restore` on fake volumes (`vol/Windows/System32/config/SYSTEM` and
//! its logs in a temp folder), as a technician would run them: the install is a transaction,
//! its backup can be put back byte for byte, and a backup that was altered or leads outside
//! the config folder is refused without changing anything. The full-disk cases mount a tmpfs
//! (root only; skipped loudly otherwise).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;
use common::repair::{WINSOCK_KEYS, assert_written_hive_ok};
use common::sha256_of;
use serde_json::Value;

const BUNDLED_LSP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/hives/win10-x64-lsp.hive");
const REAL_WITH_LOGS: &str = "real/win10-1709-x64-dirty-with-logs";
const TIMESTAMP: &str = "2024-01-02T03:04:05Z";

/// A temp folder holding `vol/Windows/System32/config`.
struct Volume {
    dir: tempfile::TempDir,
}

impl Volume {
    fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("vol/Windows/System32/config")).unwrap();
        Self { dir }
    }

    /// The bundled LSP hive with two small logs (an empty one and a zeroed one: a hive that
    /// was shut down cleanly).
    fn bundled() -> Self {
        let volume = Self::empty();
        volume.fill_bundled();
        volume
    }

    fn fill_bundled(&self) {
        std::fs::copy(BUNDLED_LSP, self.config().join("SYSTEM")).unwrap();
        std::fs::write(self.config().join("SYSTEM.LOG1"), b"").unwrap();
        std::fs::write(self.config().join("SYSTEM.LOG2"), vec![0u8; 4096]).unwrap();
    }

    /// A copy of the real dirty Windows 10 hive with its two logs, or `None` without the test
    /// hives.
    fn real() -> Option<Self> {
        let volume = Self::empty();
        volume.fill_real()?;
        Some(volume)
    }

    fn fill_real(&self) -> Option<()> {
        let source = common::hive_path(REAL_WITH_LOGS)?;
        for name in ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"] {
            let dest = self.config().join(name);
            std::fs::copy(source.join(name), &dest).unwrap();
            // The shared copies are read-only; a volume's hives are not.
            let mut permissions = std::fs::metadata(&dest).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            permissions.set_readonly(false);
            std::fs::set_permissions(&dest, permissions).unwrap();
        }
        Some(())
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("vol")
    }

    fn config(&self) -> PathBuf {
        self.root().join("Windows/System32/config")
    }

    fn arg(&self) -> String {
        self.root().to_str().unwrap().to_string()
    }
}

/// Every file and folder below `dir` (relative), with each file's sha256.
fn listing(dir: &Path) -> Vec<(PathBuf, Option<String>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().to_path_buf();
            let metadata = std::fs::symlink_metadata(&path).unwrap();
            if metadata.is_symlink() {
                let to = std::fs::read_link(&path).unwrap();
                out.push((relative, Some(format!("link to {}", to.display()))));
            } else if metadata.is_dir() {
                stack.push(path);
                out.push((relative, None));
            } else {
                out.push((relative, Some(sha256_of(&path))));
            }
        }
    }
    out.sort();
    out
}

/// Run `winsock-doctor ARGS`: (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("winsock-doctor")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `repair VOLUME --install --json EXTRA`, which must succeed; its JSON report.
fn install(volume: &Volume, extra: &[&str]) -> Value {
    let root = volume.arg();
    let mut args = vec![
        "repair",
        &root,
        "--install",
        "--json",
        "--timestamp",
        TIMESTAMP,
    ];
    args.extend(extra);
    let (code, stdout, stderr) = run(&args);
    assert_eq!(code, 0, "{args:?}: {stderr}\n{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["status"], "repaired", "{report:#}");
    report
}

fn path_of(value: &Value) -> PathBuf {
    PathBuf::from(value.as_str().unwrap_or_else(|| panic!("a path: {value}")))
}

/// After an install: SYSTEM is the repaired hive and no log is left beside it; the backup
/// holds the original hive and logs (`before`), and a manifest that lists them with their
/// hashes.
fn assert_installed(volume: &Volume, report: &Value, before: &[(PathBuf, Option<String>)]) {
    let config = volume.config();
    let output = &report["output"];
    let system = config.join("SYSTEM");
    assert_eq!(path_of(&output["path"]), system, "Output names SYSTEM");
    assert_eq!(sha256_of(&system), output["sha256"].as_str().unwrap());
    let backup = path_of(&output["backup"]);
    assert_eq!(backup.parent(), Some(config.as_path()));
    let names: Vec<String> = std::fs::read_dir(&config)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("winsock-doctor-backup-"))
        .collect();
    assert_eq!(names, ["SYSTEM"], "no old log is left in the config folder");
    assert_eq!(report["logs_to_move_aside"], serde_json::json!([]));

    let manifest_path = path_of(&output["manifest"]);
    assert_eq!(manifest_path.parent(), Some(backup.as_path()));
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
    assert_eq!(manifest["operation"], "install");
    assert_eq!(manifest["tool"]["name"], "winsock-doctor");
    assert_eq!(manifest["installed_sha256"], output["sha256"]);
    assert!(
        manifest["command_line"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--install")
    );
    let files = manifest["files"].as_array().unwrap();
    let originals: Vec<_> = before
        .iter()
        .filter(|(path, _)| path.parent() == Some(Path::new("Windows/System32/config")))
        .collect();
    assert_eq!(files.len(), originals.len(), "{manifest:#}");
    for (path, sha256) in originals {
        let name = path.file_name().unwrap().to_str().unwrap();
        let entry = files
            .iter()
            .find(|f| f["original"] == name)
            .unwrap_or_else(|| panic!("{name} in {manifest:#}"));
        assert_eq!(entry["sha256"].as_str(), sha256.as_deref(), "{name}");
        assert_eq!(
            Some(sha256_of(&backup.join(entry["name"].as_str().unwrap()))),
            *sha256,
            "the backup of {name} is the original"
        );
    }
}

/// The config folder's own files (not the backup folders), with their hashes.
fn config_files(volume: &Volume) -> Vec<(PathBuf, Option<String>)> {
    listing(&volume.root())
        .into_iter()
        .filter(|(path, sha)| {
            sha.is_some() && !path.to_string_lossy().contains("winsock-doctor-backup-")
        })
        .collect()
}

fn install_then_restore_gives_back_the_bundled_hive_and_logs() {
    let volume = Volume::bundled();
    let system = volume.config().join("SYSTEM");
    set_mode(&system, 0o640);
    let before = listing(&volume.root());
    let report = install(&volume, &["--mode", "remove-lsp"]);
    assert_installed(&volume, &report, &before);
    assert_mode(
        &system,
        0o640,
        "the installed hive keeps the original's permissions",
    );
    let undo = report["output"]["undo"].as_str().unwrap();
    let backup = report["output"]["backup"].as_str().unwrap();
    assert!(
        undo.ends_with(&format!(" restore {} --backup {backup}", volume.arg())),
        "{undo}"
    );

    let (code, stdout, stderr) = run(&["restore", &volume.arg()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("RESTORED"), "{stdout}");
    let restored = config_files(&volume);
    let original: Vec<_> = before
        .iter()
        .filter(|(_, s)| s.is_some())
        .cloned()
        .collect();
    assert_eq!(
        restored, original,
        "the original hive and logs, byte for byte"
    );
    assert_mode(&system, 0o640, "the restored hive has its permissions back");
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(unix)]
fn assert_mode(path: &Path, mode: u32, what: &str) {
    use std::os::unix::fs::PermissionsExt;
    let actual = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(actual, mode, "{what}: {actual:o}");
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[cfg(not(unix))]
fn assert_mode(_: &Path, _: u32, _: &str) {}

fn install_then_restore_gives_back_the_real_dirty_hive_and_logs() {
    let Some(volume) = Volume::real() else {
        return;
    };
    let before = listing(&volume.root());
    let root = volume.arg();
    // The text report a technician reads.
    let (code, stdout, stderr) = run(&[
        "repair",
        &root,
        "--mode",
        "reset",
        "--always-write",
        "--install",
        "--timestamp",
        TIMESTAMP,
    ]);
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    let system = volume.config().join("SYSTEM");
    assert!(
        stdout.contains(&format!("Output:      {}\n", system.display())),
        "the Output line names the installed hive: {stdout}"
    );
    assert!(!stdout.contains("move these logs aside"), "{stdout}");
    assert!(stdout.contains("Log moved:"), "{stdout}");
    let undo = stdout
        .lines()
        .skip_while(|l| !l.contains("To put them back"))
        .nth(1)
        .unwrap_or_else(|| panic!("the undo command: {stdout}"))
        .trim()
        .to_string();
    let program = undo.split(' ').next().unwrap();
    assert!(program.ends_with("winsock-doctor"), "this program: {undo}");
    assert!(
        undo.contains(&format!(" restore {root} --backup ")),
        "{undo}"
    );
    let backup = PathBuf::from(undo.rsplit(' ').next().unwrap());
    assert_eq!(
        sha256_of(&backup.join("SYSTEM")),
        before
            .iter()
            .find(|(p, _)| p.ends_with("config/SYSTEM"))
            .and_then(|(_, s)| s.clone())
            .unwrap()
    );
    for log in ["SYSTEM.LOG1", "SYSTEM.LOG2"] {
        assert!(!volume.config().join(log).exists(), "{log} moved away");
        assert!(backup.join(log).is_file(), "{log} in the backup");
    }
    let repaired = sha256_of(&system);
    // The installed hive passes the peers, and differs from the original (its logs replayed)
    // only in the Winsock keys.
    let recovered = common::hive_path(REAL_WITH_LOGS)
        .unwrap()
        .join("expected/SYSTEM.recovered");
    assert_written_hive_ok(&recovered, &system, &WINSOCK_KEYS);

    // Exactly the printed command (its words), as the technician would paste it.
    let words: Vec<&str> = undo.split(' ').skip(1).collect();
    let (code, stdout, stderr) = run(&words);
    assert_eq!(code, 0, "{stderr}\n{stdout}");
    let original: Vec<_> = before
        .iter()
        .filter(|(_, s)| s.is_some())
        .cloned()
        .collect();
    assert_eq!(config_files(&volume), original, "byte for byte");
    // The repaired hive it replaced is kept, in a new backup folder.
    let (_, list, _) = run(&["restore", &root, "--list", "--json"]);
    let list: Value = serde_json::from_str(&list).unwrap();
    let backups = list["backups"].as_array().unwrap();
    assert_eq!(backups.len(), 2, "{list:#}");
    assert_eq!(backups[0]["usable"]["manifest"]["operation"], "restore");
    assert_eq!(
        backups[0]["usable"]["manifest"]["files"][0]["sha256"],
        repaired.as_str()
    );
    let kept = path_of(&backups[0]["path"]);
    assert_eq!(sha256_of(&kept.join("SYSTEM")), repaired);
}

fn two_installs_in_the_same_second_get_distinct_backups() {
    let volume = Volume::bundled();
    // Whatever second the installs run in, its first folder name is taken already.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for second in now..now + 120 {
        let stamp = jiff::Timestamp::from_second(second as i64)
            .unwrap()
            .strftime("%Y%m%dT%H%M%SZ");
        std::fs::create_dir(
            volume
                .config()
                .join(format!("winsock-doctor-backup-{stamp}-1")),
        )
        .unwrap();
    }
    let first = install(&volume, &["--mode", "reset", "--always-write"]);
    let second = install(&volume, &["--mode", "reset", "--always-write"]);
    let (a, b) = (
        path_of(&first["output"]["backup"]),
        path_of(&second["output"]["backup"]),
    );
    assert_ne!(a, b);
    for backup in [&a, &b] {
        // The taken name was skipped, not failed on.
        assert!(
            !backup.to_str().unwrap().ends_with("-1"),
            "{}",
            backup.display()
        );
        assert!(backup.join("winsock-doctor-backup.json").is_file());
    }
    // The second backup holds what the first install put in place.
    assert_eq!(
        sha256_of(&b.join("SYSTEM")),
        first["output"]["sha256"].as_str().unwrap()
    );
    let left: Vec<_> = std::fs::read_dir(volume.config())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("winsock-doctor-backup-"))
        .collect();
    assert_eq!(left, ["SYSTEM"], "no staged file is left");
}

fn a_backup_altered_after_the_install_is_refused_and_nothing_changes() {
    let volume = Volume::bundled();
    let report = install(&volume, &["--mode", "remove-lsp"]);
    let backup = path_of(&report["output"]["backup"]);
    for altered in ["SYSTEM", "SYSTEM.LOG2"] {
        let file = backup.join(altered);
        let original = std::fs::read(&file).unwrap();
        let mut bytes = original.clone();
        bytes[100] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        let before = listing(&volume.root());
        for extra in [&[][..], &["--dry-run"][..]] {
            let root = volume.arg();
            let mut args = vec!["restore", &root];
            args.extend(extra);
            let (code, stdout, stderr) = run(&args);
            assert_eq!(code, 2, "{altered} {extra:?}: {stdout}");
            assert!(stderr.contains(altered), "{stderr}");
            assert!(stderr.contains("manifest"), "{stderr}");
            assert_eq!(listing(&volume.root()), before, "nothing changed");
        }
        std::fs::write(&file, &original).unwrap();
    }
}

#[cfg(unix)]
fn a_linked_backup_folder_or_a_manifest_leading_outside_is_refused() {
    let volume = Volume::bundled();
    let report = install(&volume, &["--mode", "remove-lsp"]);
    let backup = path_of(&report["output"]["backup"]);
    let name = backup.file_name().unwrap().to_str().unwrap().to_string();
    let root = volume.arg();

    // The manifest names a file outside the config folder.
    let manifest_path = backup.join("winsock-doctor-backup.json");
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    let outside = text.replace("\"original\": \"SYSTEM\"", "\"original\": \"../SYSTEM\"");
    assert_ne!(outside, text);
    std::fs::write(&manifest_path, outside).unwrap();
    let before = listing(&volume.root());
    let (code, _, stderr) = run(&["restore", &root, "--backup", &name]);
    assert_eq!(code, 2);
    assert!(stderr.contains("../SYSTEM"), "{stderr}");
    assert_eq!(listing(&volume.root()), before);
    std::fs::write(&manifest_path, text).unwrap();

    // The backup folder is a link to a folder elsewhere.
    let elsewhere = volume.dir.path().join("elsewhere");
    std::fs::rename(&backup, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &backup).unwrap();
    let before = listing(&volume.root());
    for args in [
        vec!["restore", &root],
        vec!["restore", &root, "--backup", &name],
        vec!["restore", &root, "--backup", backup.to_str().unwrap()],
    ] {
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}");
        assert!(
            stderr.contains("link") || stderr.contains("no backup"),
            "{stderr}"
        );
        assert_eq!(listing(&volume.root()), before, "{args:?}");
    }
    let (code, stdout, _) = run(&["restore", &root, "--list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("NOT USABLE"), "{stdout}");
}

/// A tmpfs mounted on a folder for a test, unmounted when dropped.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// Mount a tmpfs on `dir`, or `None` (after a loud message) when that is not possible
    /// (not root, no mount).
    fn mount(dir: &Path) -> Option<Self> {
        let mounted = Process::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64m", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!(
                "\n!!!!! SKIPPED: cannot mount a tmpfs on {} (needs root) !!!!!\n",
                dir.display()
            );
            return None;
        }
        Some(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// Leave `free` bytes (rounded up to pages) beside what is stored now.
    fn shrink_to_free(&self, free: u64) {
        let out = Process::new("df")
            .args(["-B1", "--output=used"])
            .arg(&self.dir)
            .output()
            .unwrap();
        let used: u64 = String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let status = Process::new("mount")
            .args(["-o", &format!("remount,size={}", used + free)])
            .arg(&self.dir)
            .status()
            .unwrap();
        assert!(status.success(), "remount {}", self.dir.display());
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Process::new("umount").arg(&self.dir).status();
    }
}

/// Install onto a tmpfs volume with `free` bytes left: it must fail and leave every file and
/// folder as it was, byte for byte. `expected` is part of the error message (which step
/// failed).
fn install_on_a_full_volume(
    fill: impl Fn(&Volume) -> Option<()>,
    free: u64,
    args: &[&str],
    expected: &str,
) {
    let volume = Volume {
        dir: tempfile::tempdir().unwrap(),
    };
    std::fs::create_dir(volume.root()).unwrap();
    let Some(tmpfs) = Tmpfs::mount(&volume.root()) else {
        return;
    };
    std::fs::create_dir_all(volume.config()).unwrap();
    if fill(&volume).is_none() {
        return;
    }
    tmpfs.shrink_to_free(free);
    let before = listing(&volume.root());
    let root = volume.arg();
    let mut all = vec!["repair", &root, "--install", "--timestamp", TIMESTAMP];
    all.extend(args);
    let (code, stdout, stderr) = run(&all);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stderr.contains(expected), "{expected}: {stderr}");
    assert!(!stderr.contains("undoing"), "the undo went well: {stderr}");
    assert_eq!(listing(&volume.root()), before, "the volume as it was");
    drop(tmpfs);
}

const MIB: u64 = 1024 * 1024;

fn a_volume_too_small_for_the_new_hive_is_left_as_it_was() {
    let bundled = |v: &Volume| {
        v.fill_bundled();
        Some(())
    };
    // 16 KiB free: the 64 KiB repaired hive cannot be staged.
    install_on_a_full_volume(
        bundled,
        16 * 1024,
        &["--mode", "remove-lsp"],
        "SYSTEM.winsock-doctor-new",
    );
    install_on_a_full_volume(
        Volume::fill_real,
        MIB,
        &["--mode", "reset", "--always-write"],
        "SYSTEM.winsock-doctor-new",
    );
}

fn a_volume_too_small_for_the_backup_is_left_as_it_was() {
    let bundled = |v: &Volume| {
        v.fill_bundled();
        Some(())
    };
    // Room for the 64 KiB repaired hive, not for the copy of the original as well.
    install_on_a_full_volume(bundled, 80 * 1024, &["--mode", "remove-lsp"], "back up to");
    // The repaired real hive is about 12 MiB; the original 12.25 MiB.
    install_on_a_full_volume(
        Volume::fill_real,
        14 * MIB,
        &["--mode", "reset", "--always-write"],
        "back up to",
    );
}

fn install_needs_a_windows_folder_not_a_hive_file() {
    let dir = tempfile::tempdir().unwrap();
    let hive = dir.path().join("SYSTEM");
    std::fs::copy(BUNDLED_LSP, &hive).unwrap();
    let before = listing(dir.path());
    let hive = hive.to_str().unwrap();
    let (code, _, stderr) = run(&["repair", hive, "--mode", "remove-lsp", "--install"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--install needs"), "{stderr}");
    assert_eq!(listing(dir.path()), before);
}

common::registry::register_tests! {
    Nothing: [
        install_then_restore_gives_back_the_bundled_hive_and_logs,
        two_installs_in_the_same_second_get_distinct_backups,
        a_backup_altered_after_the_install_is_refused_and_nothing_changes,
        #[cfg(unix)] a_linked_backup_folder_or_a_manifest_leading_outside_is_refused,
        install_needs_a_windows_folder_not_a_hive_file,
    ],
    Hives: [
        a_volume_too_small_for_the_new_hive_is_left_as_it_was,
        a_volume_too_small_for_the_backup_is_left_as_it_was,
        install_then_restore_gives_back_the_real_dirty_hive_and_logs,
    ],
}
