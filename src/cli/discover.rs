//! `winsock-doctor discover`: list the Windows installations on mounted volumes.

use crate::exit::Exit;
use std::io::Write;

use crate::cli::args::DiscoverArgs;
use crate::error::{Error, Result};
use crate::report::{discover_json::DiscoverDocument, discover_table};
use crate::volume::discover::{default_roots, discover};

pub fn run(args: &DiscoverArgs) -> Result<Exit> {
    let roots = if args.roots.is_empty() {
        default_roots()
    } else {
        args.roots.clone()
    };
    if roots.is_empty() {
        return Err(Error::Usage(
            "name the volumes to search (mount points or Windows folders): \
             winsock-doctor discover ROOT..."
                .to_string(),
        ));
    }
    let discovery = discover(&roots);
    let stdout = std::io::stdout();
    let written = if args.json {
        DiscoverDocument::new(&discovery).write(stdout.lock())
    } else {
        write!(stdout.lock(), "{}", discover_table::render(&discovery))
    };
    written.map_err(|e| Error::io("standard output", "write to", e))?;
    Ok(Exit::Success)
}
