//! `winsock-doctor build-hive`: make a synthetic hive from a description.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::BuildHiveArgs;
use crate::error::{Error, Result};
use crate::hive::write_file::write_new_file;
use crate::synthetic::build_from_description;

pub fn run(args: &BuildHiveArgs) -> Result<Exit> {
    let text = std::fs::read_to_string(&args.description)
        .map_err(|e| Error::io(&args.description, "read", e))?;
    let bytes = build_from_description(&text, &args.description.display().to_string())?;
    let sha256 = write_new_file(
        &args.out,
        &bytes,
        std::slice::from_ref(&args.description),
        args.force,
    )?;
    writeln!(std::io::stdout(), "{}  {}", sha256, args.out.display())
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
