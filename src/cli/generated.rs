//! Shell completions and the manual page, generated from the argument definitions so they
//! never drift from the real command line.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::args::Cli;
use crate::error::{Error, Result};

pub fn completions(shell: Shell) -> Result<ExitCode> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    // `generate` panics when standard output is closed (`... | head -1`); this one returns it.
    command.set_bin_name(name);
    command.build();
    clap_complete::Generator::try_generate(&shell, &command, &mut std::io::stdout().lock())
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(ExitCode::SUCCESS)
}

pub fn manpage() -> Result<ExitCode> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout().lock())
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(ExitCode::SUCCESS)
}
