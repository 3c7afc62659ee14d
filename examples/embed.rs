//! Embedding winsock-doctor: scan a SYSTEM hive held in memory and print its finding codes, then
//! remove its layered providers and write the repaired hive to a new file (`embed SYSTEM OUT`).

use std::path::{Path, PathBuf};

use winsock_doctor::{
    Error, Mode, OpenedHive, RepairOptions, RepairRequest, ScanOptions, filetime_now, repair,
    scan_hive, write_new_file,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, out] = &args[..] else {
        return Err("usage: embed SYSTEM-HIVE OUT".into());
    };
    let bytes = std::fs::read(input).map_err(|e| Error::io(input, "read it", e))?;
    let hive = OpenedHive::from_bytes(Path::new(input), &bytes)?;
    let scanned = scan_hive(hive, &ScanOptions::default(), None)?;
    for finding in scanned.findings() {
        println!("{}", finding.code.as_str());
    }
    let options = RepairOptions {
        mode: Some(Mode::RemoveLsp),
        ..Default::default()
    };
    let request = RepairRequest::new(options, filetime_now());
    let outcome = repair(scanned.hive, None, None, &request)?;
    let repaired = outcome.repaired.ok_or("no layered provider to remove")?;
    if !repaired.verification.passed() {
        return Err("the repaired hive failed its verification".into());
    }
    write_new_file(
        Path::new(out),
        repaired.bytes(),
        &[PathBuf::from(input)],
        false,
    )?;
    Ok(())
}
