use std::process::ExitCode;

use winsock_doctor::exit::Exit;

fn main() -> ExitCode {
    match winsock_doctor::cli::run() {
        Ok(exit) => exit.into(),
        // ripgrep's behaviour: whoever closed the pipe has what they wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("winsock-doctor: {e}");
            Exit::Error.into()
        }
    }
}
