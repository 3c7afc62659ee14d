//! `winsock-doctor repair`: run the repair pipeline, then write the repaired hive as a new file
//! (or install it) and print what was done. Exit 0 when repaired (or nothing to do, or a dry run
//! whose hive passed its check), 3 when the repaired hive failed its check (nothing is then
//! written), 2 (from `main`) on errors.

use crate::exit::Exit;
use std::io::Write;
use std::path::PathBuf;

use crate::cli::args::RepairArgs;
use crate::cli::print_dirty_notice;
use crate::cli::restore::undo_command;
use crate::error::{Error, Result};
use crate::hive::image::InputFile;
use crate::hive::write_file::write_new_file;
use crate::pipeline::install::install;
use crate::pipeline::open_target::OpenedTarget;
use crate::pipeline::repair::repair;
use crate::report::repair_json::{OutputFile, RepairDocument, Status};
use crate::report::repair_table;

pub fn run(args: &RepairArgs) -> Result<Exit> {
    let request = args.validate()?;
    let OpenedTarget {
        target,
        hive,
        software_beside,
        image,
        ..
    } = args.hive.open()?;
    if args.install && image.is_some() {
        return Err(Error::Usage(format!(
            "{}: --install never writes into a disk image; write the repaired hive with --out \
             FILE, then copy it in with your own tools (or mount the image and give the volume)",
            args.hive.target.display()
        )));
    }
    if args.install && target.windows_dir.is_none() {
        return Err(Error::Usage(
            "--install needs a Windows folder or volume as TARGET, not a hive file".into(),
        ));
    }
    let outcome = repair(
        hive,
        image.is_none().then_some(&target),
        software_beside,
        &request,
    )?;
    let hive = &outcome.hive;
    if let Some(note) = &outcome.software_note {
        eprintln!("winsock-doctor: {note}");
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
        options: &request.options,
        input: hive.input(),
        logs: &hive.logs,
        logs_to_move_aside,
        windows: &outcome.windows,
        output: None,
        control_sets: &outcome.plans,
        verification: None,
        salvage: outcome.salvage.as_ref(),
    };
    let Some(repaired) = &outcome.repaired else {
        return finish(&doc, args.json, Exit::Success);
    };
    doc.verification = Some(repaired.verification.clone());
    if !repaired.verification.passed() {
        doc.status = Status::Failed;
        return finish(&doc, args.json, Exit::CheckFailed);
    }
    if args.dry_run {
        doc.status = Status::DryRun;
        return finish(&doc, args.json, Exit::Success);
    }

    let bytes = repaired.image.hive_bytes();
    doc.output = Some(if args.install {
        let installed = install(
            &target,
            hive,
            bytes,
            &request.options,
            &outcome.plans,
            std::env::args().collect(),
        )?;
        // Moved into the backup: nothing is left for the user to move.
        doc.logs_to_move_aside.clear();
        OutputFile {
            undo: Some(undo_command(&args.hive.target, &installed.backup)),
            file: InputFile::new(&installed.hive, installed.sha256, installed.size),
            installed_as: Some(installed.hive),
            backup: Some(installed.backup),
            manifest: Some(installed.manifest),
            moved_logs: installed.moved_logs,
        }
    } else {
        let Some(out) = &args.out else {
            return Err(Error::Usage("--out is required".into()));
        };
        // Logs found beside the hive count too, read or not.
        let mut protected = hive.own_files();
        protected.extend(image.iter().flat_map(|source| source.files()));
        protected.extend(doc.logs_to_move_aside.iter().cloned());
        let sha256 = write_new_file(out, bytes, &protected, args.force)?;
        OutputFile {
            file: InputFile::new(out, sha256, bytes.len() as u64),
            installed_as: None,
            backup: None,
            manifest: None,
            moved_logs: Vec::new(),
            undo: None,
        }
    });
    doc.status = Status::Repaired;
    finish(&doc, args.json, Exit::Success)
}

fn finish(doc: &RepairDocument<'_>, json: bool, code: Exit) -> Result<Exit> {
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
