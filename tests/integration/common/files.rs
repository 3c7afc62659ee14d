//! Listing a folder tree. The fuzz crate's seed writer lists the shared hives with the same
//! function: its `src/make_seeds.rs` includes this file.

use std::path::{Path, PathBuf};

/// Every file below `dir`, recursively, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
