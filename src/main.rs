use std::process::ExitCode;

fn main() -> ExitCode {
    match winsock_doctor::cli::run() {
        Ok(code) => code,
        // ripgrep's behaviour: whoever closed the pipe has what they wanted.
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("winsock-doctor: {e}");
            ExitCode::from(2)
        }
    }
}
