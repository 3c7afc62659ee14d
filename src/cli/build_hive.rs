//! `winsock-doctor build-hive`: make a synthetic hive from a description.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::BuildHiveArgs;
use crate::error::{Error, Result};
use crate::synthetic::build_from_description;

pub fn run(args: &BuildHiveArgs) -> Result<Exit> {
    let text = std::fs::read_to_string(&args.description)
        .map_err(|e| Error::io(&args.description, "read", e))?;
    let bytes = build_from_description(&text, &args.description.display().to_string())?;
    let sha256 = args
        .output
        .write(&bytes, std::slice::from_ref(&args.description))?;
    writeln!(
        std::io::stdout(),
        "{}  {}",
        sha256,
        args.output.out.display()
    )
    .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
