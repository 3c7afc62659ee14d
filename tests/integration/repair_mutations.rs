//! The mutation campaign: copies of the bundled and real hives with one field damaged (cell
//! sizes, list counts and offsets, key and value fields, security cells, big-data headers),
//! half inside the Winsock keys and half outside, each repaired in every mode. A repair may
//! refuse (exit 2) or fail its check (exit 3); when it exits 0 having written a hive, that hive
//! must pass the full structural check (`check`) and the peers. Seeds are fixed, so a failing
//! mutation is reproduced by its number.
//!
//! `WINSOCK_DOCTOR_MUTATIONS=N` sets how many mutations (default 24, the slice CI runs; the
//! campaign recorded in docs/robustness.md is 300). `WINSOCK_DOCTOR_MUTATION_FROM=K` starts at
//! mutation K.

use crate::common;

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use common::mutate::{Field, Seeded, fields, mutate};

const SEED: u64 = 0x5EED_0019;
const TIMESTAMP: &str = "2026-01-01T00:00:00Z";

/// The repairs every mutated hive goes through.
const MODES: [&[&str]; 4] = [
    &["--mode", "reset"],
    &["--mode", "remove-lsp"],
    &["--mode", "fix"],
    &["--mode", "reset", "--reset-namespace", "--fix-services"],
];

/// How the runs of the campaign ended.
#[derive(Default, Debug)]
struct Tally {
    written: usize,
    nothing_to_do: usize,
    refused: usize,
    check_failed: usize,
    /// Each one a failure of the campaign, with how to reproduce it.
    violations: Vec<String>,
}

struct Source {
    name: String,
    bytes: Vec<u8>,
    fields: Vec<Field>,
}

fn sources() -> Vec<Source> {
    let bundled = ["win10-x64-lsp.hive", "win10-x64.hive", "winxp-sp3-x86.hive"]
        .map(|name| (name.to_string(), Path::new("hives").join(name)));
    let mut paths: Vec<_> = bundled.into_iter().collect();
    if let Some(dir) = common::hives_dir() {
        for real in [common::patchable::NT4, common::patchable::XP] {
            paths.push((real.to_string(), dir.join(real)));
        }
    }
    paths
        .into_iter()
        .map(|(name, path)| {
            let bytes = std::fs::read(&path).expect("read a campaign source");
            let fields = fields(&bytes);
            Source {
                name,
                bytes,
                fields,
            }
        })
        .collect()
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn repairs_of_damaged_hives_refuse_or_write_whole_hives() {
    let sources = sources();
    let count = env_number("WINSOCK_DOCTOR_MUTATIONS", 24);
    let first = env_number("WINSOCK_DOCTOR_MUTATION_FROM", 0);
    let next = AtomicUsize::new(first);
    let tally = Mutex::new(Tally::default());
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let number = next.fetch_add(1, Ordering::Relaxed);
                    if number >= first + count {
                        break;
                    }
                    run_mutation(number, &sources, &tally);
                }
            });
        }
    });
    let tally = tally.into_inner().unwrap();
    println!(
        "mutation campaign: {count} mutations from {first}, {} repairs: {} written (each passed \
         check and peers), {} nothing to do, {} refused, {} failed their check",
        count * MODES.len(),
        tally.written,
        tally.nothing_to_do,
        tally.refused,
        tally.check_failed
    );
    assert!(
        tally.violations.is_empty(),
        "{} violations:\n{}",
        tally.violations.len(),
        tally.violations.join("\n")
    );
}

/// Damage one copy, repair it in every mode, and judge each outcome.
fn run_mutation(number: usize, sources: &[Source], tally: &Mutex<Tally>) {
    let source = &sources[number % sources.len()];
    let mut rng = Seeded::new(SEED ^ number as u64);
    let mut bytes = source.bytes.clone();
    let inside = number % 2 == 0;
    let mutation = mutate(&mut bytes, &source.fields, inside, &mut rng);
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("SYSTEM");
    std::fs::write(&input, &bytes).expect("write the mutated hive");
    for (index, mode) in MODES.iter().enumerate() {
        let out = dir.path().join(format!("out{index}"));
        let outcome = judge(&input, &out, mode);
        let mut tally = tally.lock().unwrap();
        match outcome {
            Ok(Outcome::Written) => tally.written += 1,
            Ok(Outcome::NothingToDo) => tally.nothing_to_do += 1,
            Ok(Outcome::Refused) => tally.refused += 1,
            Ok(Outcome::CheckFailed) => tally.check_failed += 1,
            Err(why) => tally.violations.push(format!(
                "mutation {number} of {} ({mutation}), repair {}: {why}",
                source.name,
                mode.join(" ")
            )),
        }
    }
    assert_eq!(
        std::fs::read(&input).expect("read the input back"),
        bytes,
        "repair changed its input (mutation {number}: {mutation})"
    );
}

enum Outcome {
    Written,
    NothingToDo,
    Refused,
    CheckFailed,
}

/// Run one repair and decide whether it kept the rule.
fn judge(input: &Path, out: &Path, mode: &[&str]) -> Result<Outcome, String> {
    let output = Command::cargo_bin("winsock-doctor")
        .expect("binary")
        .arg("repair")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--timestamp", TIMESTAMP])
        .args(mode)
        .output()
        .expect("run repair");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let written = out.exists();
    match (output.status.code(), written) {
        (Some(0), true) => {}
        (Some(0), false) => return Ok(Outcome::NothingToDo),
        (Some(2), false) => return Ok(Outcome::Refused),
        (Some(3), false) => return Ok(Outcome::CheckFailed),
        (code, written) => {
            return Err(format!(
                "exit {code:?}, output written: {written}; stderr: {stderr}"
            ));
        }
    }
    let check = Command::cargo_bin("winsock-doctor")
        .expect("binary")
        .arg("check")
        .arg(out)
        .output()
        .expect("run check");
    if check.status.code() != Some(0) {
        return Err(format!(
            "exit 0 with an output the full check rejects:\n{}",
            String::from_utf8_lossy(&check.stdout)
        ));
    }
    if let Some(Err(report)) = common::peers_verdict(out) {
        // The verdict lines that say no, not the many that agree.
        let refusals: Vec<&str> = report
            .lines()
            .filter(|l| !l.contains(" AGREE ") && !l.trim().is_empty())
            .collect();
        return Err(format!(
            "the peers reject the output:\n{}",
            refusals.join("\n")
        ));
    }
    Ok(Outcome::Written)
}

common::registry::register_tests! {
    Hives: [
        repairs_of_damaged_hives_refuse_or_write_whole_hives,
    ],
}
