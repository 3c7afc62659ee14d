//! Shell completions and the manual page, generated from the argument definitions so they
//! never drift from the real command line.

use crate::exit::Exit;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::args::Cli;
use crate::error::{Error, Result};

pub fn completions(shell: Shell) -> Result<Exit> {
    let mut command = Cli::command();
    let name = command.get_name().to_string();
    // `generate` panics when standard output is closed (`... | head -1`); this one returns it.
    command.set_bin_name(name);
    command.build();
    clap_complete::Generator::try_generate(&shell, &command, &mut std::io::stdout().lock())
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}

pub fn manpage() -> Result<Exit> {
    clap_mangen::Man::new(Cli::command())
        .render(&mut std::io::stdout().lock())
        .map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
