//! `winsock-doctor export`: the Winsock keys of a control set as a .reg file.

use crate::exit::Exit;

use crate::cli::args::ExportArgs;
use crate::cli::print_dirty_notice;
use crate::error::{Error, Result};
use crate::hive::subtree::read_subtree;
use crate::hive::write_file::write_new_file;
use crate::report::reg_file;
use crate::winsock::winsock_keys::winsock_subtrees;

/// Where a SYSTEM hive is loaded on a running system.
const SYSTEM_ROOT: &str = r"HKEY_LOCAL_MACHINE\SYSTEM";

pub fn run(args: &ExportArgs) -> Result<Exit> {
    let hive = args.hive.open()?.hive;
    let catalogs = hive.catalogs(args.hive.read.control_set, false)?;
    // The .reg file holds what the hive says: say when that may lack its latest changes.
    print_dirty_notice(&hive.logs, hive.path());
    let mut keys = Vec::new();
    for path in winsock_subtrees(&catalogs.selected) {
        match hive.read(|reader| read_subtree(reader, &path))? {
            Some(subtree) => keys.extend(subtree),
            None => eprintln!("winsock-doctor: {path} does not exist: not exported"),
        }
    }
    if keys.is_empty() {
        return Err(Error::NothingToExport {
            path: hive.path().to_path_buf(),
            control_set: catalogs.selected.control_set.clone(),
        });
    }
    let text = reg_file::render(SYSTEM_ROOT, &keys);
    write_new_file(
        &args.reg,
        &reg_file::utf16le_with_bom(&text),
        &hive.own_files(),
        args.force,
    )?;
    eprintln!(
        "winsock-doctor: wrote {} keys of {} to {}",
        keys.len(),
        catalogs.selected.control_set,
        args.reg.display()
    );
    Ok(Exit::Success)
}
