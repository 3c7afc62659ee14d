//! Fill the seed corpora: `make_seeds SHARED CORPUS`. Small zoo hives (under 100 KB) and the
//! builder's hives for the hive targets, zoo hives with their logs for `replay`, and real
//! PackedCatalogItem values for `packed_item`. Existing files are overwritten, others kept.

use std::fs;
use std::path::{Path, PathBuf};

use winsock_doctor::input::{LogOptions, OpenedHive};
use winsock_doctor_fuzz::{built_hives, join_replay_input};

/// The integration tests' tree listing.
#[path = "../../tests/integration/common/files.rs"]
mod files;
use files::files_below;

/// Bigger inputs slow libFuzzer down more than they add coverage.
const MAX_SEED: u64 = 100 * 1024;
/// A primary with its logs: the zoo's dirty hives are 512 KB.
const MAX_REPLAY_SEED: u64 = 1024 * 1024;

fn is_log(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.to_string_lossy().to_ascii_uppercase().starts_with("LOG"))
}

fn seed_name(zoo: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(zoo).unwrap_or(path);
    format!(
        "zoo-{}",
        relative.to_string_lossy().replace(['/', '\\'], "-")
    )
}

fn write(corpus: &Path, target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus.join(target);
    fs::create_dir_all(&dir).expect("create the corpus folder");
    fs::write(dir.join(name), bytes).expect("write a seed");
}

fn main() {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [shared, corpus] = args.as_slice() else {
        eprintln!("usage: make_seeds SHARED_DIR CORPUS_DIR");
        std::process::exit(2);
    };
    let zoo = shared.join("hives/zoo");
    let mut count = 0;
    for path in files_below(&zoo) {
        let size = fs::metadata(&path).map(|m| m.len()).unwrap_or(u64::MAX);
        let name = seed_name(&zoo, &path);
        let logs: Vec<PathBuf> = files_below(path.parent().unwrap_or(&zoo))
            .into_iter()
            .filter(|p| is_log(p) && p.file_stem() == path.file_name())
            .collect();
        if !is_log(&path) && !logs.is_empty() {
            let bytes = fs::read(&path).expect("read a zoo hive");
            let logs: Vec<Vec<u8>> = logs
                .iter()
                .map(|l| fs::read(l).expect("read a log"))
                .collect();
            let joined = join_replay_input(&bytes, &logs);
            if joined.len() as u64 <= MAX_REPLAY_SEED {
                write(corpus, "replay", &name, &joined);
                count += 1;
            }
        }
        if size <= MAX_SEED {
            let bytes = fs::read(&path).expect("read a zoo file");
            for target in ["open_walk", "editor", "replay", "scan", "repair"] {
                let seed = if target == "replay" {
                    join_replay_input(&bytes, &[])
                } else {
                    bytes.clone()
                };
                write(corpus, target, &name, &seed);
                count += 1;
            }
        }
    }
    for (i, hive) in built_hives().iter().enumerate() {
        for target in ["open_walk", "editor", "scan", "repair"] {
            write(corpus, target, &format!("built-{i}"), hive);
        }
        write(
            corpus,
            "replay",
            &format!("built-{i}"),
            &join_replay_input(hive, &[]),
        );
        count += 3;
    }
    // Real PackedCatalogItem values, one per distinct content, from two small real hives.
    for relative in [
        "real/nt4-sp3-x86-dc/SYSTEM",
        "real/winxp-sp3-x86-m57/SYSTEM",
    ] {
        let path = shared.join("hives").join(relative);
        let options = LogOptions {
            no_logs: true,
            logs: Vec::new(),
        };
        let Ok(catalogs) = OpenedHive::open(&path, options).and_then(|h| h.catalogs(None, false))
        else {
            eprintln!("make_seeds: {} not readable, skipped", path.display());
            continue;
        };
        for list in &catalogs.selected.protocol_catalogs {
            for entry in &list.entries {
                if let Some(raw) = &entry.packed_catalog_item_raw {
                    let name = format!("real-{}", winsock_doctor::hive::image::sha256_hex(raw));
                    write(corpus, "packed_item", &name[..21], raw);
                    count += 1;
                }
            }
        }
    }
    println!(
        "make_seeds: {count} seeds written below {}",
        corpus.display()
    );
}
