use std::process::ExitCode;

use winsock_doctor::exit::Exit;

fn main() -> ExitCode {
    // A hostile hive can make nt-hive or ntfs panic; the library turns that into an error
    // naming the file, and the user needs no panic message beside it.
    winsock_doctor::hive::panic_guard::quiet_contained_panics();
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
