//! `repair --install`: put a repaired hive in place of a mounted installation's SYSTEM. The
//! original and its logs are first copied (and checked) into a dated backup folder beside
//! them; the repaired hive, already written and checked in the same folder, is then renamed
//! over SYSTEM, which is atomic. Refused on the running system's own hive.

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::hive::image::sha256_of_reader;
use crate::volume::target::Target;

/// Back up SYSTEM and `logs`, then rename `staged` over SYSTEM. Returns the installed path and
/// the backup folder.
pub fn install(target: &Target, staged: &Path, logs: &[PathBuf]) -> Result<(PathBuf, PathBuf)> {
    refuse_live_system(target)?;
    let hive = &target.system_hive;
    let config = hive.parent().unwrap_or(Path::new("."));
    let stamp = jiff::Timestamp::now()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    let backup = config.join(format!("winsock-doctor-backup-{stamp}"));
    fs::create_dir(&backup).map_err(|e| Error::io(&backup, "create the backup folder", e))?;
    for file in std::iter::once(hive).chain(logs) {
        let Some(name) = file.file_name() else {
            continue;
        };
        let copy = backup.join(name);
        fs::copy(file, &copy).map_err(|e| Error::io(file, "back up", e))?;
        // Hashed in pieces: a SYSTEM hive can be hundreds of megabytes.
        let same = |p: &Path| fs::File::open(p).and_then(sha256_of_reader);
        let original = same(file).map_err(|e| Error::io(file, "read", e))?;
        let copied = same(&copy).map_err(|e| Error::io(&copy, "read", e))?;
        if original != copied {
            return Err(Error::Refused {
                path: hive.clone(),
                reason: format!("the backup {} differs from the original", copy.display()),
            });
        }
    }
    fs::rename(staged, hive).map_err(|e| Error::io(hive, "replace", e))?;
    Ok((hive.clone(), backup))
}

/// The hive of the running Windows is in use: on Windows, refuse when the target's Windows
/// folder is `%SystemRoot%` (in WinPE that is X:\Windows, so another drive's installation
/// passes). Elsewhere no Windows is running from a mounted volume.
fn refuse_live_system(target: &Target) -> Result<()> {
    #[cfg(windows)]
    if let (Some(dir), Some(root)) = (&target.windows_dir, std::env::var_os("SystemRoot")) {
        let canonical = |p: &Path| fs::canonicalize(p).ok();
        if canonical(dir).is_some() && canonical(dir) == canonical(Path::new(&root)) {
            return Err(Error::Refused {
                path: target.system_hive.clone(),
                reason: "it is the hive of the running Windows; boot WinPE or another system"
                    .into(),
            });
        }
    }
    #[cfg(not(windows))]
    let _ = target;
    Ok(())
}
