//! `winsock-doctor repair`: plan the repairs on the replayed hive, apply them to one in-memory
//! copy, write it as a new file, read it back and scan it. Exit 0 when repaired (or nothing to
//! do, or a dry run), 3 when the written hive still has a problem the repair claimed to fix
//! (the file is then removed), 2 (from `main`) on errors.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::args::{RepairArgs, RepairMode};
use crate::cli::print_dirty_notice;
use crate::cli::scan::detect_windows;
use crate::error::{Error, FormatError, Result};
use crate::hive::editor::Editor;
use crate::hive::filetime::filetime_from_rfc3339;
use crate::hive::image::HiveImage;
use crate::hive::reader::HiveReader;
use crate::hive::salvage::salvage;
use crate::hive::write_file::write_new_file;
use crate::input::{LogOptions, LogsReport, OpenedHive};
use crate::report::repair_json::{OutputFile, RepairDocument, SalvageReport, Status, Verification};
use crate::report::repair_table;
use crate::volume::target::Target;
use crate::winsock::catalog::{ControlSetCatalogs, SystemCatalogs};
use crate::winsock::default_catalog::default_transports;
use crate::winsock::diagnose::diagnose;
use crate::winsock::repair::apply::apply;
use crate::winsock::repair::{Context, Mode, PlanError, RepairOptions, RepairPlan, plan};
use crate::winsock::services::read_transport;
use crate::winsock::windows_version::WindowsVersion;

/// The written hive failed the check and was removed.
const EXIT_CHECK_FAILED: u8 = 3;

pub fn run(args: &RepairArgs) -> Result<ExitCode> {
    let options = RepairOptions {
        mode: args.mode.map(|m| match m {
            RepairMode::Reset => Mode::Reset,
            RepairMode::RemoveLsp => Mode::RemoveLsp,
            RepairMode::Fix => Mode::Fix,
        }),
        lsps: args.lsp.clone(),
        keep_third_party: args.keep_third_party,
        reset_namespace: args.reset_namespace,
        fix_services: args.fix_services,
    };
    let repair_asked = options.mode.is_some() || options.reset_namespace || options.fix_services;
    if !repair_asked && !args.salvage {
        return Err(Error::Usage(PlanError::NothingAsked.to_string()));
    }
    if !options.lsps.is_empty() && options.mode != Some(Mode::RemoveLsp) {
        return Err(Error::Usage("--lsp goes with --mode remove-lsp".into()));
    }
    let timestamp = match &args.timestamp {
        Some(text) => filetime_from_rfc3339(text)?,
        None => filetime_from_rfc3339(&jiff::Timestamp::now().to_string())?,
    };
    let target = Target::resolve(&args.target)?;
    if args.install && target.windows_dir.is_none() {
        return Err(Error::Usage(
            "--install needs a Windows folder or volume as TARGET, not a hive file".into(),
        ));
    }
    let hive = OpenedHive::open(&target.system_hive, args.logs.options())?;
    let (hive, salvage) = if args.salvage {
        let (hive, report) = salvaged(hive)?;
        (hive, Some(report))
    } else {
        (hive, None)
    };
    let catalogs = hive.catalogs(args.control_set, args.all_control_sets)?;
    let detected = detect_windows(
        &hive,
        &catalogs,
        args.software.as_deref(),
        target.software_hive.as_deref(),
    )?;
    if let Some(note) = &detected.software_note {
        eprintln!("winsock-doctor: {note}");
    }
    let windows = detected.windows;

    let mut plans = Vec::new();
    // `--salvage` alone plans nothing: the rebuilt hive is the output.
    for (index, cs) in control_sets(&catalogs).enumerate().filter(|_| repair_asked) {
        let diagnosis = diagnose(cs, &windows);
        let helper_keys = hive.read(|r| helper_keys(r, cs, &windows))?;
        let context = Context {
            windows: &windows,
            findings: &diagnosis.findings,
            helper_keys,
        };
        match plan(cs, &context, &options) {
            Ok(p) if p.changes_anything() || (index == 0 && args.always_write) => plans.push(p),
            Ok(_) => {}
            // The other control sets need not hold the LSP the user named.
            Err(PlanError::NoSuchLsp(_)) if index > 0 => {}
            Err(e) => return Err(Error::Usage(format!("{}: {e}", cs.control_set))),
        }
    }

    let mut logs_to_move_aside: Vec<PathBuf> = target.system_logs.clone();
    for log in &hive.logs.files {
        if !logs_to_move_aside.contains(&log.path) {
            logs_to_move_aside.push(log.path.clone());
        }
    }
    let mut doc = RepairDocument {
        format_version: crate::report::repair_json::FORMAT_VERSION,
        status: Status::NothingToDo,
        options: &options,
        input: &hive.input,
        logs: &hive.logs,
        logs_to_move_aside,
        windows: &windows,
        output: None,
        control_sets: &plans,
        verification: None,
        salvage,
    };
    if plans.is_empty() && doc.salvage.is_none() {
        return finish(&doc, args.json, ExitCode::SUCCESS);
    }
    if args.dry_run {
        doc.status = Status::DryRun;
        return finish(&doc, args.json, ExitCode::SUCCESS);
    }

    let input_path = &hive.input.path;
    let mut editor =
        Editor::open(hive.image.hive_bytes()).map_err(|e| Error::format(input_path, e))?;
    editor.set_timestamp(timestamp);
    editor.set_minimum_sequence(highest_log_sequence(&hive.logs));
    for p in &plans {
        apply(&mut editor, p).map_err(|e| {
            Error::format(
                input_path,
                FormatError::new(format!("cannot apply the repair of {}: {e}", p.control_set)),
            )
        })?;
    }
    let bytes = editor.finish();

    let out = match (&args.out, args.install) {
        (_, true) => install_staging_path(&target.system_hive),
        (Some(out), false) => out.clone(),
        (None, false) => return Err(Error::Usage("--out is required".into())),
    };
    // Logs found beside the hive count too, read or not.
    let mut protected = hive.own_files();
    protected.extend(doc.logs_to_move_aside.iter().cloned());
    let sha256 = write_new_file(&out, &bytes, &protected, args.force || args.install)?;
    doc.output = Some(OutputFile {
        path: out.clone(),
        sha256,
        size: bytes.len() as u64,
        installed_as: None,
        backup: None,
    });
    let verification = verify(&out, args, &windows, &plans);
    let verification = match verification {
        Ok(v) => v,
        Err(e) => {
            let _ = std::fs::remove_file(&out);
            return Err(e);
        }
    };
    let failed = !verification.unfixed.is_empty();
    doc.verification = Some(verification);
    if failed {
        let _ = std::fs::remove_file(&out);
        doc.status = Status::Failed;
        return finish(&doc, args.json, ExitCode::from(EXIT_CHECK_FAILED));
    }
    if args.install {
        let (installed, backup) =
            crate::volume::install::install(&target, &out, &doc.logs_to_move_aside)?;
        if let Some(output) = &mut doc.output {
            output.installed_as = Some(installed);
            output.backup = Some(backup);
        }
    }
    doc.status = Status::Repaired;
    finish(&doc, args.json, ExitCode::SUCCESS)
}

/// With `--salvage`: the hive rebuilt from what is readable takes the place of the input's
/// image for everything that follows (plans, edits, the written file).
fn salvaged(hive: OpenedHive) -> Result<(OpenedHive, SalvageReport)> {
    let salvaged =
        salvage(hive.image.hive_bytes()).map_err(|e| Error::format(&hive.input.path, e))?;
    let report = SalvageReport {
        keys: salvaged.keys,
        values: salvaged.values,
        dropped_count: salvaged.dropped.len(),
        dropped: salvaged.dropped,
    };
    let image = HiveImage::from_vec(salvaged.bytes)
        .map_err(|e| Error::format(&hive.input.path, e.with_context("the salvaged hive")))?;
    Ok((OpenedHive { image, ..hive }, report))
}

/// The chosen control set, then the others (with `--all-control-sets`).
fn control_sets(catalogs: &SystemCatalogs) -> impl Iterator<Item = &ControlSetCatalogs> {
    std::iter::once(&catalogs.selected).chain(&catalogs.others)
}

/// The family's default transports whose `Services\<T>\Parameters\Winsock` key exists.
fn helper_keys(
    reader: &HiveReader<'_>,
    cs: &ControlSetCatalogs,
    windows: &WindowsVersion,
) -> Result<Vec<String>, FormatError> {
    let root = reader.root()?;
    let Some(services) = reader.open(&root, &format!(r"{}\Services", cs.control_set))? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for name in default_transports(windows.family) {
        if read_transport(reader, &services, name).is_ok_and(|t| t.present) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// The highest sequence number the replayed logs carried: the output must be above it.
fn highest_log_sequence(logs: &LogsReport) -> u32 {
    logs.replay
        .applied
        .iter()
        .filter_map(|a| a.last_sequence)
        .chain(logs.replay.sequence)
        .max()
        .unwrap_or(0)
}

/// Read the written hive back (no logs) and diagnose the repaired control sets.
fn verify(
    out: &Path,
    args: &RepairArgs,
    windows: &WindowsVersion,
    plans: &[RepairPlan],
) -> Result<Verification> {
    let written = OpenedHive::open(
        out,
        LogOptions {
            no_logs: true,
            logs: Vec::new(),
        },
    )?;
    let after = written.catalogs(args.control_set, args.all_control_sets)?;
    let mut findings = Vec::new();
    let mut unfixed = Vec::new();
    for p in plans {
        let Some(cs) = control_sets(&after).find(|cs| cs.control_set == p.control_set) else {
            continue;
        };
        let diagnosis = diagnose(cs, windows);
        unfixed.extend(p.unfixed(&diagnosis.findings).into_iter().cloned());
        findings.extend(diagnosis.findings);
    }
    Ok(Verification {
        healthy: !findings.iter().any(|f| f.is_problem()),
        unfixed,
        findings,
    })
}

/// Where `--install` stages the repaired hive: beside SYSTEM, renamed over it at the end.
fn install_staging_path(system_hive: &Path) -> PathBuf {
    system_hive.with_file_name("SYSTEM.winsock-doctor-new")
}

fn finish(doc: &RepairDocument<'_>, json: bool, code: ExitCode) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let written = if json {
        doc.write(stdout.lock())
    } else {
        print_dirty_notice(doc.logs, &doc.input.path);
        write!(stdout.lock(), "{}", repair_table::render(doc))
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(code)
}
