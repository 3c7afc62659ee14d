//! Disk images as TARGET, built here with Debian's tools: an NTFS volume (mkntfs, files copied
//! in through an ntfs-3g mount) holding a real SYSTEM hive, inside an MBR disk (sfdisk) and a
//! GPT disk (sgdisk), converted with qemu-img (VHD fixed and dynamic, VHDX, VMDK sparse and
//! flat) and ewfacquire (E01). Each must scan exactly as the same volume mounted by ntfs-3g
//! (paths aside), with the sha256 ntfscat gives for each file inside.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use common::cli::{assert_refused, doctor, json, success};
use common::pe::{self, Bits, Version};
use serde_json::Value;

const WIN7: &str = "real/win7-sp1-x86/SYSTEM";
const DIRTY: &str = "real/win10-1709-x64-dirty-with-logs";

/// Whether every tool is installed; a loud skip otherwise, a failure when the hives (and so
/// the tools, installed by .ci/run) are required.
fn have_tools(tools: &[&str]) -> bool {
    let missing: Vec<&&str> = tools
        .iter()
        .filter(|tool| {
            !Process::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    if std::env::var("WINSOCK_DOCTOR_REQUIRE_HIVES").is_ok_and(|v| v == "1") {
        panic!(
            "WINSOCK_DOCTOR_REQUIRE_HIVES=1 but {missing:?} are missing (.ci/run installs them)"
        );
    }
    eprintln!("\n!!!!! SKIPPED: {missing:?} not installed !!!!!\n");
    false
}

fn run(program: &str, args: &[&str]) {
    let out = Process::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A 64 MiB NTFS volume at `dir/vol.img` holding `files` (path inside, source file); folders
/// are made as named, in the letter case given.
fn ntfs_volume(dir: &Path, files: &[(&str, &Path)]) -> PathBuf {
    let volume = dir.join("vol.img");
    let file = std::fs::File::create(&volume).unwrap();
    file.set_len(64 << 20).unwrap();
    run("mkntfs", &["-F", "-Q", "-q", volume.to_str().unwrap()]);
    let mount = Mount::new(&volume, &dir.join("mnt"), false);
    for (inside, source) in files {
        let target = mount.path.join(inside);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(source, &target).unwrap();
    }
    mount.unmount();
    volume
}

/// An NTFS volume mounted by ntfs-3g, kept in the foreground so that unmounting waits for it
/// to have written the volume back and exited.
struct Mount {
    path: PathBuf,
    daemon: std::process::Child,
}

impl Mount {
    fn new(volume: &Path, path: &Path, read_only: bool) -> Mount {
        std::fs::create_dir_all(path).unwrap();
        let options = if read_only {
            "ro,no_detach"
        } else {
            "no_detach"
        };
        // no_detach also prints debug lines: kept in a file, read when mounting fails.
        let log = path.with_extension("ntfs-3g.log");
        let mut daemon = Process::new("ntfs-3g")
            .args(["-o", options])
            .arg(volume)
            .arg(path)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if let Some(status) = daemon.try_wait().unwrap() {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                panic!(
                    "ntfs-3g {} ended ({status}) before mounting: {said}",
                    volume.display()
                );
            }
            if Process::new("mountpoint")
                .arg("-q")
                .arg(path)
                .status()
                .is_ok_and(|s| s.success())
            {
                return Mount {
                    path: path.to_path_buf(),
                    daemon,
                };
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = daemon.kill();
        panic!("ntfs-3g did not mount {} in 10 s", volume.display());
    }

    /// Unmounts, retrying while the kernel still holds files just closed (FUSE releases them
    /// asynchronously: "target is busy"), then waits for ntfs-3g to finish writing.
    fn unmount(mut self) {
        let mut last = String::new();
        for _ in 0..200 {
            let out = Process::new("umount").arg(&self.path).output().unwrap();
            if out.status.success() {
                let status = self.daemon.wait().unwrap();
                assert!(status.success(), "ntfs-3g ended with {status}");
                return;
            }
            last = String::from_utf8_lossy(&out.stderr).into_owned();
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("umount {}: {last}", self.path.display());
    }
}

/// A test that failed while mounted leaves no mount behind.
impl Drop for Mount {
    fn drop(&mut self) {
        if self.daemon.try_wait().is_ok_and(|s| s.is_none()) {
            let _ = Process::new("umount").arg("-l").arg(&self.path).status();
            let _ = self.daemon.kill();
            let _ = self.daemon.wait();
        }
    }
}

/// `volumes` as partitions 1, 2, ... of a disk with an MBR (`dos`) or GPT table, one after the
/// other from 1 MiB.
fn disk(dir: &Path, volumes: &[&Path], table: &str) -> PathBuf {
    let mut partitions = Vec::new();
    let mut start = 2048;
    for volume in volumes {
        let sectors = std::fs::metadata(volume).unwrap().len() / 512;
        partitions.push((start, sectors));
        start += sectors;
    }
    let disk = dir.join(format!("{table}.img"));
    // Room after the last partition for GPT's backup table.
    let file = std::fs::File::create(&disk).unwrap();
    file.set_len((start + 2048) * 512).unwrap();
    if table == "dos" {
        let rows: String = partitions
            .iter()
            .map(|(start, sectors)| format!("start={start}, size={sectors}, type=7\n"))
            .collect();
        sfdisk(&disk, &format!("label: dos\n{rows}"));
    } else {
        let mut args = vec!["-o".to_string()];
        for (number, (start, sectors)) in (1..).zip(&partitions) {
            let new = format!("{number}:{start}:{}", start + sectors - 1);
            args.extend(["-n".into(), new, "-t".into(), format!("{number}:0700")]);
        }
        args.push(disk.to_str().unwrap().to_string());
        run("sgdisk", &args.iter().map(String::as_str).collect::<Vec<_>>());
    }
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new().write(true).open(&disk).unwrap();
    for (volume, (start, _)) in volumes.iter().zip(&partitions) {
        file.seek(SeekFrom::Start(start * 512)).unwrap();
        file.write_all(&std::fs::read(volume).unwrap()).unwrap();
    }
    disk
}

/// Write the partition table `script` (sfdisk's input format) on `disk`.
fn sfdisk(disk: &Path, script: &str) {
    use std::io::Write;
    let mut child = Process::new("sfdisk")
        .arg("-q")
        .arg(disk)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(script.as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "sfdisk {}", disk.display());
}

/// `disk` converted by qemu-img to `format` (with `options`), as `dir/name`.
fn convert(dir: &Path, disk: &Path, format: &str, options: &[&str], name: &str) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec!["convert", "-O", format];
    args.extend(options);
    args.extend([disk.to_str().unwrap(), out.to_str().unwrap()]);
    run("qemu-img", &args);
    out
}

/// `disk` acquired by ewfacquire as `dir/case.E01` (in segments of 40 MiB: a set).
fn e01(dir: &Path, disk: &Path) -> PathBuf {
    let target = dir.join("case");
    run(
        "ewfacquire",
        &[
            "-u",
            "-q",
            "-t",
            target.to_str().unwrap(),
            "-f",
            "encase6",
            "-c",
            "deflate:fast",
            "-S",
            "40MiB",
            disk.to_str().unwrap(),
        ],
    );
    dir.join("case.E01")
}

fn scan_json(target: &Path) -> Value {
    let out = doctor().args(["scan", "--json"]).arg(target).output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}: {}",
        target.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The document without what names files: the image section, every `path` and the logs
/// to move aside.
fn paths_aside(mut document: Value) -> Value {
    document.as_object_mut().unwrap().remove("image");
    without(document, &["path", "path_bytes_hex", "logs_to_move_aside"])
}

/// `document` without the time of the run (two runs differ in it) and without the fields named
/// `keys` at any depth.
fn without(mut document: Value, keys: &[&str]) -> Value {
    fn strip(value: &mut Value, keys: &[&str]) {
        match value {
            Value::Object(map) => {
                for key in keys {
                    map.remove(*key);
                }
                map.values_mut().for_each(|v| strip(v, keys));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| strip(v, keys)),
            _ => {}
        }
    }
    if let Some(map) = document.as_object_mut() {
        map.remove("created");
    }
    strip(&mut document, keys);
    document
}

fn ntfscat_sha256(volume: &Path, inside: &str) -> String {
    let out = Process::new("ntfscat")
        .arg(volume)
        .arg(inside)
        .output()
        .unwrap();
    assert!(out.status.success());
    use sha2::{Digest, Sha256};
    Sha256::digest(&out.stdout)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A SOFTWARE hive saying Windows 7 SP1 (build 7601), built here (the shared hives have none).
fn software_hive(dir: &Path) -> PathBuf {
    let path = dir.join("SOFTWARE");
    std::fs::write(&path, common::software::windows7_software(7601)).unwrap();
    path
}

/// A DLL of Microsoft's with a version resource.
fn microsoft_dll(dir: &Path, name: &str) -> PathBuf {
    let version = Version {
        strings: &[
            ("CompanyName", "Microsoft Corporation"),
            ("FileVersion", "6.1.7601.17514"),
            ("OriginalFilename", name),
        ],
        fixed: [6, 1, 7601, 17514],
    };
    let path = dir.join(name);
    std::fs::write(&path, pe::dll(Bits::Pe32, Some(&version))).unwrap();
    path
}

/// `scan --json` of the volume mounted read-only by ntfs-3g, its mount point spelled as
/// `root` (how an image names the partition) so that it compares with an image's scan.
fn mounted_scan(dir: &Path, volume: &Path, root: &str) -> String {
    let mount = Mount::new(volume, &dir.join("ro"), true);
    let document = scan_json(&mount.path);
    let path = mount.path.to_str().unwrap().to_string();
    mount.unmount();
    let text = serde_json::to_string(&comparable(document)).unwrap();
    text.replace(&path, root)
}

/// `document` without what differs between two scans of the same files: the bytes of paths
/// (image paths are not the volume's) and the time of the run.
fn comparable(document: Value) -> Value {
    without(document, &["path_bytes_hex"])
}

fn every_container_scans_as_the_mounted_volume() {
    let Some(hive) = common::hive_path(WIN7) else {
        return;
    };
    if !have_tools(&[
        "mkntfs",
        "ntfs-3g",
        "ntfscat",
        "sfdisk",
        "sgdisk",
        "qemu-img",
        "ewfacquire",
    ]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let software = software_hive(dir.path());
    let mswsock = microsoft_dll(dir.path(), "mswsock.dll");
    let wshtcpip = microsoft_dll(dir.path(), "wshtcpip.dll");
    let volume = ntfs_volume(
        dir.path(),
        &[
            ("Windows/System32/config/SYSTEM", &hive),
            ("Windows/System32/config/SOFTWARE", &software),
            ("Windows/System32/mswsock.dll", &mswsock),
            ("Windows/System32/WSHTCPIP.DLL", &wshtcpip),
        ],
    );
    let hive_sha = ntfscat_sha256(&volume, "Windows/System32/config/SYSTEM");
    let software_sha = ntfscat_sha256(&volume, "Windows/System32/config/SOFTWARE");
    let mbr = disk(dir.path(), &[&volume], "dos");
    let gpt = disk(dir.path(), &[&volume], "gpt");
    let images = [
        (volume.clone(), 0),
        (mbr.clone(), 1),
        (gpt.clone(), 1),
        (
            convert(
                dir.path(),
                &gpt,
                "vpc",
                &["-o", "subformat=fixed"],
                "fixed.vhd",
            ),
            1,
        ),
        (
            convert(
                dir.path(),
                &mbr,
                "vpc",
                &["-o", "subformat=dynamic"],
                "dynamic.vhd",
            ),
            1,
        ),
        (convert(dir.path(), &gpt, "vhdx", &[], "disk.vhdx"), 1),
        (convert(dir.path(), &mbr, "vmdk", &[], "sparse.vmdk"), 1),
        (
            convert(
                dir.path(),
                &gpt,
                "vmdk",
                &["-o", "subformat=monolithicFlat"],
                "flat.vmdk",
            ),
            1,
        ),
        (e01(dir.path(), &mbr), 1),
    ];
    let mounted = mounted_scan(dir.path(), &volume, "@ROOT@");
    for (image, partition) in &images {
        let root = format!("{}#p{partition}", image.display());
        let expected = mounted.replace("@ROOT@", &root);
        let mut document = scan_json(image);
        assert_eq!(
            document["input"]["sha256"],
            hive_sha.as_str(),
            "{}",
            image.display()
        );
        assert_eq!(document["software_input"]["sha256"], software_sha.as_str());
        assert_eq!(document["windows"]["build"], 7601, "{}", image.display());
        let name = format!("{root}/Windows/System32/config/SYSTEM");
        assert_eq!(document["input"]["path"], name.as_str());
        assert_eq!(document["image"]["partition"], *partition);
        document.as_object_mut().unwrap().remove("image");
        let document = serde_json::to_string(&comparable(document)).unwrap();
        assert_eq!(document, expected, "{}", image.display());
    }
    // The DLLs inside, with their hashes and versions, as on the mounted volume.
    let text = json(doctor().args(["dlls", "--json"]).arg(&gpt)).to_string();
    assert!(text.contains(&common::sha256_of(&mswsock)), "{text}");
    assert!(text.contains("WSHTCPIP.DLL"), "{text}");
    assert!(text.contains("6.1.7601.17514"), "{text}");
    // The images are evidence: never written.
    for (image, _) in &images {
        let before = common::sha256_of(image);
        doctor()
            .args(["catalog", "--json"])
            .arg(image)
            .assert()
            .success();
        assert_eq!(common::sha256_of(image), before);
    }
}

fn discover_lists_partitions_file_systems_and_windows() {
    let Some(hive) = common::hive_path(WIN7) else {
        return;
    };
    if !have_tools(&["mkntfs", "ntfs-3g", "sgdisk"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let volume = ntfs_volume(dir.path(), &[("WINDOWS/system32/Config/system", &hive)]);
    let gpt = disk(dir.path(), &[&volume], "gpt");
    let document = json(doctor().args(["discover", "--json"]).arg(&gpt));
    let partition = &document["images"][0]["partitions"][0];
    assert_eq!(partition["number"], 1);
    assert_eq!(partition["scheme"], "GPT");
    assert_eq!(partition["kind"], "Microsoft basic data");
    assert_eq!(partition["file_system"], "NTFS");
    assert_eq!(partition["windows"], serde_json::json!(["WINDOWS"]));
    // Any letter case, the names as stored in the report.
    let document = scan_json(&gpt);
    let name = format!("{}#p1/WINDOWS/system32/Config/system", gpt.display());
    assert_eq!(document["input"]["path"], name.as_str());
    // For people, in 80 columns as every table.
    let out = doctor()
        .env("COLUMNS", "80")
        .arg("discover")
        .arg(&gpt)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Microsoft basic data"), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    // A table is whole or becomes blocks; never a table with its rows broken across lines.
    let whole = |l: &&str| {
        let edge = |c: char| l.starts_with(c) == l.ends_with(c);
        edge('+') && edge('|')
    };
    assert!(text.lines().all(|l| whole(&l)), "{text}");
    // --hash-image: every image file's own sha256.
    let out = doctor()
        .args(["scan", "--json", "--hash-image"])
        .arg(&gpt)
        .output()
        .unwrap();
    let document: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        document["image"]["hashed"][0]["path"],
        gpt.to_str().unwrap()
    );
    assert_eq!(
        document["image"]["hashed"][0]["sha256"],
        common::sha256_of(&gpt).as_str()
    );
    // --partition names one that holds no Windows: said, with what the image holds.
    assert_refused(
        doctor().args(["scan", "--partition", "2"]).arg(&gpt),
        "no Windows installation",
    );
}

fn the_dirty_1709_hive_in_an_image_is_replayed_as_from_files() {
    let Some(dirty) = common::hive_path(DIRTY) else {
        return;
    };
    if !have_tools(&["mkntfs", "ntfs-3g"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = "Windows/System32/config";
    let volume = ntfs_volume(
        dir.path(),
        &[
            (&format!("{config}/SYSTEM"), &dirty.join("SYSTEM")),
            (&format!("{config}/system.LOG1"), &dirty.join("SYSTEM.LOG1")),
            (&format!("{config}/SYSTEM.LOG2"), &dirty.join("SYSTEM.LOG2")),
        ],
    );
    let from_image = dir.path().join("from-image");
    let from_files = dir.path().join("from-files");
    let image_out = success(
        doctor()
            .args(["replay", "--json", "--out"])
            .arg(&from_image)
            .arg(&volume),
    );
    doctor()
        .args(["replay", "--out"])
        .arg(&from_files)
        .arg(dirty.join("SYSTEM"))
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&from_image).unwrap(),
        std::fs::read(&from_files).unwrap()
    );
    let report = String::from_utf8_lossy(&image_out.stdout);
    assert!(report.contains("system.LOG1"), "{report}");
    let catalog = |target: &Path| json(doctor().args(["catalog", "--json"]).arg(target));
    assert_eq!(
        paths_aside(catalog(&volume)),
        paths_aside(catalog(&dirty.join("SYSTEM")))
    );
    // Never into an image: --install is refused with the way to do it.
    let reset = ["repair", "--mode", "reset", "--windows", "10", "--arch", "amd64"];
    assert_refused(doctor().args(reset).arg("--install").arg(&volume), "--out");
}

fn several_windows_are_told_apart_by_partition() {
    let (Some(win7), Some(dirty)) = (common::hive_path(WIN7), common::hive_path(DIRTY)) else {
        return;
    };
    if !have_tools(&["mkntfs", "ntfs-3g", "sfdisk"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let first = ntfs_volume(dir.path(), &[("Windows/System32/config/SYSTEM", &win7)]);
    let first = {
        let kept = dir.path().join("first.img");
        std::fs::rename(&first, &kept).unwrap();
        kept
    };
    let second = ntfs_volume(
        dir.path(),
        &[("WINDOWS/System32/config/SYSTEM", &dirty.join("SYSTEM"))],
    );
    // Two NTFS partitions, 1 and 2, one after the other.
    let disk = disk(dir.path(), &[&first, &second], "dos");
    assert_refused(
        doctor().arg("scan").arg(&disk),
        "name one with --partition N: partition 1 (Windows), partition 2 (WINDOWS)",
    );
    for (partition, expected) in [("1", &win7), ("2", &dirty.join("SYSTEM"))] {
        let catalog = ["catalog", "--json", "--no-logs", "--partition", partition];
        let document = json(doctor().args(catalog).arg(&disk));
        assert_eq!(
            document["input"]["sha256"],
            common::sha256_of(expected).as_str()
        );
    }
}

/// What scan tells to run for a hive inside an image names the image and its partition (a
/// path inside an image is no file a command can open), and works as printed.
fn the_suggested_repair_of_a_hive_in_an_image_runs_as_printed() {
    if !have_tools(&["mkntfs", "ntfs-3g", "sfdisk"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let lsp = Path::new(env!("CARGO_MANIFEST_DIR")).join("hives/win10-x64-lsp.hive");
    let volume = ntfs_volume(dir.path(), &[("Windows/System32/config/SYSTEM", &lsp)]);
    let mbr = disk(dir.path(), &[&volume], "dos");
    let document = scan_json(&mbr);
    let command = document["what_to_run"]["command"].as_str().unwrap();
    let expected = format!(
        "winsock-doctor repair {} --partition 1 --mode remove-lsp --out OUT",
        mbr.display()
    );
    assert_eq!(command, expected);
    let out = dir.path().join("repaired");
    let words: Vec<String> = command
        .split(' ')
        .skip(1)
        .map(|w| w.replace("OUT", out.to_str().unwrap()))
        .collect();
    doctor().args(&words).assert().success();
    doctor().arg("scan").arg(&out).assert().success();
    common::repair::assert_written_hive_ok(&lsp, &out, &common::repair::WINSOCK_KEYS);
}

common::registry::register_tests! {
    Nothing: [the_suggested_repair_of_a_hive_in_an_image_runs_as_printed],
    Hives: [
        every_container_scans_as_the_mounted_volume,
        discover_lists_partitions_file_systems_and_windows,
        the_dirty_1709_hive_in_an_image_is_replayed_as_from_files,
        several_windows_are_told_apart_by_partition,
    ],
}
