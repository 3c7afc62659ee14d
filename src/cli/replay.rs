//! `winsock-doctor replay`: write a dirty hive with its logs applied, as a new clean file.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::ReplayArgs;
use crate::error::{Error, Result};
use crate::hive::image::InputFile;
use crate::input::LogOptions;
use crate::pipeline::open_target::open_hive;
use crate::report::replay_json::ReplayDocument;
use crate::report::replay_table;

pub fn run(args: &ReplayArgs) -> Result<Exit> {
    let options = LogOptions {
        no_logs: false,
        logs: args.log.clone(),
    };
    let hive = open_hive(&args.hive, options, &args.image.options())?;
    let replay = &hive.logs.replay;
    if replay.was_dirty && replay.applied.is_empty() {
        let why: Vec<String> = replay
            .skipped
            .iter()
            .map(|s| format!("{}: {}", s.path.display(), s.reason))
            .collect();
        return Err(Error::Refused {
            path: args.output.out.clone(),
            reason: format!(
                "{} is dirty and no transaction log could be applied{}; there is no recovered \
                 state to write",
                hive.path().display(),
                if why.is_empty() {
                    " (none found)".to_string()
                } else {
                    format!(" ({})", why.join("; "))
                }
            ),
        });
    }
    let bytes = hive.image.hive_bytes();
    let sha256 = args.output.write(bytes, &hive.own_files())?;
    let document = ReplayDocument {
        input: hive.input(),
        logs: &hive.logs,
        output: InputFile::new(&args.output.out, sha256, bytes.len() as u64),
    };
    let stdout = std::io::stdout();
    let written = if args.json {
        document.write_json(stdout.lock())
    } else {
        write!(stdout.lock(), "{}", replay_table::render(&document))
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
