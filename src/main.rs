use std::process::ExitCode;

fn main() -> ExitCode {
    match winsock_doctor::cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("winsock-doctor: {e}");
            ExitCode::from(2)
        }
    }
}
