//! Finding the Windows installations on mounted volumes: each ROOT is a Windows folder itself or
//! a volume (mount point) with Windows folders directly below it. With no ROOT on Windows, every
//! drive letter except the running system's is probed (in WinPE that skips `X:`). A ROOT that
//! is a disk image is surveyed partition by partition.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::image::installation::{SurveyedImage, survey_image};
use crate::image::open::image_container;
use crate::report::json_path;
use crate::volume::target::{Target, windows_dirs_below};

/// What was looked at and what was found there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    pub installations: Vec<Target>,
    pub searched: Vec<SearchedRoot>,
    /// The disk images among the roots, partition by partition.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<SurveyedImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchedRoot {
    #[serde(serialize_with = "json_path::lossy")]
    pub root: PathBuf,
    pub installations: usize,
    /// Why the root could not be searched.
    pub error: Option<String>,
}

/// Search every root in order.
pub fn discover(roots: &[PathBuf]) -> Discovery {
    let mut discovery = Discovery {
        installations: Vec::new(),
        searched: Vec::new(),
        images: Vec::new(),
    };
    for root in roots {
        if let Some(container) = image_container(root) {
            let (installations, error) = match survey_image(root, container) {
                Ok(surveyed) => {
                    let count = surveyed.partitions.iter().map(|p| p.windows.len()).sum();
                    discovery.images.push(surveyed);
                    (count, None)
                }
                Err(e) => (0, Some(e.to_string())),
            };
            discovery.searched.push(SearchedRoot {
                root: root.clone(),
                installations,
                error,
            });
            continue;
        }
        let (found, error) = match search(root) {
            Ok(found) => (found, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        discovery.searched.push(SearchedRoot {
            root: root.clone(),
            installations: found.len(),
            error,
        });
        discovery.installations.extend(found);
    }
    discovery
}

/// The installations of `root`; links leading out of it are not followed, and said.
fn search(root: &Path) -> Result<Vec<Target>, String> {
    if let Some(target) = Target::from_windows_dir(root).map_err(|e| e.to_string())? {
        return Ok(vec![target]);
    }
    let (found, not_followed) = windows_dirs_below(root).map_err(|e| e.to_string())?;
    if found.is_empty() && !not_followed.is_empty() {
        return Err(format!("not followed: {}", not_followed.join("; ")));
    }
    Ok(found)
}

/// The roots to search when none is given: on Windows, the root of every drive letter that
/// exists, except the running system's drive (`%SystemDrive%`: its hives are in use); elsewhere
/// none (mount points have no fixed place: name them).
pub fn default_roots() -> Vec<PathBuf> {
    if !cfg!(windows) {
        return Vec::new();
    }
    let system_drive = std::env::var("SystemDrive").unwrap_or_else(|_| "C:".to_string());
    drive_roots(&system_drive)
        .into_iter()
        .map(PathBuf::from)
        .filter(|root| root.is_dir())
        .collect()
}

/// `A:\` to `Z:\` except the drive of `system_drive` (`C:` or `C:\`). Pure string logic.
pub fn drive_roots(system_drive: &str) -> Vec<String> {
    let skip = system_drive.chars().next().map(|c| c.to_ascii_uppercase());
    ('A'..='Z')
        .filter(|&letter| Some(letter) != skip)
        .map(|letter| format!("{letter}:\\"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_drive_but_the_system_drive() {
        let roots = drive_roots("x:");
        assert_eq!(roots.len(), 25);
        assert_eq!(roots.first().map(String::as_str), Some(r"A:\"));
        assert!(!roots.iter().any(|r| r.starts_with('X')));
        assert!(roots.iter().any(|r| r == r"C:\"));
    }
}
