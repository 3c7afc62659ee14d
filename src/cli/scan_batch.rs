//! `winsock-doctor scan` over many hives: find them, scan each on a bounded pool of threads
//! ([`scan_target`] per hive, one hive in memory per worker at a time), stream one record per hive
//! as it finishes, and end with a summary. Results are never gathered: the channel between the
//! workers and the writer is bounded, so memory stays that of a few hives whatever the batch.

use crate::exit::Exit;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::mpsc;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::cli::args::ScanArgs;
use crate::error::{Error, Result};
use crate::fleet::find_hives::{Found, find_hives};
use crate::fleet::host::computer_name;
use crate::fleet::tally::{Tally, Verdict};
use crate::pipeline::scan::{HiveScan, ScanOptions, scan_target};
use crate::report::batch_json::{ErrorRecord, HiveRecord, line};
use crate::report::batch_summary;
use crate::report::json_path;
use crate::winsock::findings::Severity;

/// What a worker sends back for one hive.
struct Outcome {
    path: PathBuf,
    verdict: Verdict,
    /// The JSONL record.
    record: String,
    /// One line for people.
    human: String,
    /// A note for standard error (a SOFTWARE hive beside it could not be read).
    note: Option<String>,
}

/// `options` are those of [`ScanArgs::validate`].
pub fn run(args: &ScanArgs, options: &ScanOptions) -> Result<Exit> {
    let mut jobs = Vec::new();
    for target in &args.targets {
        if args.recursive {
            find_hives(target, &mut |found| jobs.push(found));
        } else {
            jobs.push(Found::Hive(target.clone()));
        }
    }
    if args.recursive && jobs.is_empty() {
        let looked: Vec<String> = args
            .targets
            .iter()
            .map(|t| t.display().to_string())
            .collect();
        return Err(Error::NoHiveFound { looked });
    }
    let threads = match args.threads {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| Error::Threads {
            count: threads,
            source,
        })?;

    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(jobs.len() as u64);
        if let Ok(style) =
            ProgressStyle::with_template("{bar:40} {pos}/{len} hives {elapsed_precise} {wide_msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut tally = Tally::default();
    // A few results in flight per worker: enough to keep them busy, bounded in memory.
    let (sender, receiver) = mpsc::sync_channel::<Outcome>(threads.saturating_mul(2));
    let written = std::thread::scope(|scope| {
        scope.spawn(move || {
            pool.install(|| {
                // The writer stopped (stdout closed): the workers stop too.
                let _ = jobs
                    .into_par_iter()
                    .try_for_each_with(sender, |sender, job| {
                        sender.send(outcome(job, options)).map_err(|_| ())
                    });
            });
        });
        let mut stdout = std::io::stdout().lock();
        for outcome in receiver {
            tally.add(&outcome.verdict);
            progress.inc(1);
            progress.set_message(outcome.path.display().to_string());
            let text = if args.jsonl {
                &outcome.record
            } else {
                &outcome.human
            };
            progress.suspend(|| {
                if let Some(note) = &outcome.note {
                    eprintln!("winsock-doctor: {}: {note}", outcome.path.display());
                }
                writeln!(stdout, "{text}").and_then(|()| stdout.flush())
            })?;
        }
        Ok::<(), std::io::Error>(())
    });
    progress.finish_and_clear();
    written.map_err(|e| Error::io("standard output", "write to", e))?;

    let summary = batch_summary::render(&tally);
    if args.jsonl {
        eprint!("{summary}");
    } else {
        write!(std::io::stdout(), "{summary}")
            .map_err(|e| Error::io("standard output", "write to", e))?;
    }
    Ok(tally.exit())
}

fn outcome(job: Found, options: &ScanOptions) -> Outcome {
    match job {
        Found::Hive(path) => match scan_target(&path, options) {
            Ok(scanned) => scanned_outcome(path, &scanned),
            Err(e) => unreadable_outcome(path, &e.to_string()),
        },
        Found::Unreadable { path, error } => unreadable_outcome(path, &error),
    }
}

fn scanned_outcome(path: PathBuf, scanned: &HiveScan) -> Outcome {
    let host = scanned
        .hive
        .read(|reader| computer_name(reader, &scanned.catalogs.selected.control_set))
        .ok()
        .flatten();
    let codes = scanned
        .result
        .diagnoses
        .iter()
        .flat_map(|d| &d.findings)
        .map(|f| (f.code.as_str(), f.severity))
        .collect();
    let healthy = scanned.result.healthy();
    let logs_missing = scanned.hive.logs.replay.data_may_be_missing;
    let record = line(&HiveRecord {
        host: host.as_deref(),
        path: &path,
        path_bytes_hex: json_path::bytes_hex(&path),
        document: scanned.document(),
    });
    let record = match record {
        Ok(record) => record,
        Err(e) => return unreadable_outcome(path, &format!("cannot write its record: {e}")),
    };
    let findings = &scanned.result;
    let human = format!(
        "{:<9} {}{}: {} critical, {} warning, {} info{}",
        match (healthy, logs_missing) {
            (true, false) => "HEALTHY",
            (true, true) => "NOT SURE",
            (false, _) => "PROBLEMS",
        },
        path.display(),
        host.as_deref()
            .map(|h| format!(" ({h})"))
            .unwrap_or_default(),
        findings.count(Severity::Critical),
        findings.count(Severity::Warning),
        findings.count(Severity::Info),
        if logs_missing {
            "; dirty and its transaction logs are missing: the latest changes may be missing"
        } else {
            ""
        },
    );
    Outcome {
        verdict: match (healthy, logs_missing) {
            (true, false) => Verdict::Healthy { codes },
            (true, true) => Verdict::Incomplete { codes },
            (false, _) => Verdict::Problems { codes },
        },
        path,
        record,
        human,
        note: scanned.software_note.clone(),
    }
}

fn unreadable_outcome(path: PathBuf, error: &str) -> Outcome {
    let record = line(&ErrorRecord {
        path: &path,
        path_bytes_hex: json_path::bytes_hex(&path),
        error,
        exit: 2,
    })
    .unwrap_or_else(|_| String::from(r#"{"error":"unprintable","exit":2}"#));
    Outcome {
        human: format!("{:<9} {}: {error}", "ERROR", path.display()),
        path,
        verdict: Verdict::Unreadable,
        record,
        note: None,
    }
}
