//! The source of `repair --mode restore --from SOURCE`, read for the planner: another control
//! set of the same hive, or another hive file (only read, its logs replayed when it has any).
//! Its Winsock keys, its catalogs, its Windows version, its own problems and, on a volume, the
//! provider DLLs it names that are missing.

use std::path::Path;

use crate::error::{Error, Result};
use crate::hive::subtree::SubtreeKey;
use crate::hive::value::key_at_or_below;
use crate::input::{LogOptions, OpenedHive};
use crate::pipeline::history::{Current, find_history};
use crate::pipeline::history_files::software_beside;
use crate::pipeline::open_target::Software;
use crate::pipeline::scan::detect_windows;
use crate::volume::dll_check::DllStatus;
use crate::volume::target::Target;
use crate::winsock::catalog::{ControlSetCatalogs, SystemCatalogs};
use crate::winsock::control_set::{control_set_name, control_set_number};
use crate::winsock::diagnose::diagnose;
use crate::winsock::repair::restore_from::{
    RESTORED_KEYS, RestoreFrom, RestoreSource, restored_keys,
};
use crate::winsock::windows_version::WindowsVersion;

/// The drive letter the provider DLL paths of a source are placed with.
const SYSTEM_DRIVE: char = 'C';

/// Read the source `from` names. `hive`, `catalogs` and `windows` are the hive repaired;
/// `target` what TARGET resolved to (the volume, for the DLL check).
pub fn load_source(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    windows: &WindowsVersion,
    target: Option<&Target>,
    from: &RestoreFrom,
) -> Result<RestoreSource> {
    let (label, source_catalogs, source_windows, keys) = match from {
        RestoreFrom::ControlSet(number) => same_hive(hive, catalogs, windows, *number)?,
        RestoreFrom::LastKnownGood => {
            let number = catalogs
                .select
                .as_ref()
                .and_then(|s| s.last_known_good)
                .ok_or_else(|| Error::WrongInput {
                    path: hive.path().to_path_buf(),
                    reason: "Select\\LastKnownGood is missing: name the control set \
                             (--from ControlSet002)"
                        .into(),
                })?;
            same_hive(hive, catalogs, windows, number)?
        }
        RestoreFrom::Hive(path) => other_hive(hive, path)?,
        RestoreFrom::Auto => {
            let chosen = auto(hive, catalogs, windows, target)?;
            let mut source = load_source(hive, catalogs, windows, target, &chosen)?;
            source.label = format!("{} (chosen by --from auto)", source.label);
            return Ok(source);
        }
    };
    let problems = diagnose(&source_catalogs, &source_windows)
        .findings
        .iter()
        .filter(|f| f.is_problem())
        .map(|f| f.code)
        .collect();
    let missing_dlls = match target {
        Some(target) => missing_dlls(target, &source_catalogs)?,
        None => Vec::new(),
    };
    Ok(RestoreSource {
        label,
        keys,
        catalogs: source_catalogs,
        windows: source_windows,
        problems,
        missing_dlls,
    })
}

/// The newest candidate that scans healthy and is of the same Windows.
fn auto(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    windows: &WindowsVersion,
    target: Option<&Target>,
) -> Result<RestoreFrom> {
    let current = Current {
        hive,
        catalogs,
        windows,
    };
    let history = find_history(&current, target);
    if let Some(best) = history.best() {
        let chosen = match (&best.path, control_set_number(&best.location)) {
            (Some(path), _) => Some(RestoreFrom::Hive(path.clone())),
            (None, Some(number)) => Some(RestoreFrom::ControlSet(number)),
            (None, None) => None,
        };
        if let Some(chosen) = chosen {
            return Ok(chosen);
        }
    }
    let seen: Vec<String> = history
        .candidates
        .iter()
        .map(|c| {
            let why = match (&c.error, &c.other_windows) {
                (Some(error), _) => error.clone(),
                (None, Some(other)) => other.clone(),
                (None, None) => format!("{} problems", c.problems.len()),
            };
            format!("{}: {why}", c.location)
        })
        .collect();
    Err(Error::Refused {
        path: hive.path().to_path_buf(),
        reason: format!(
            "--from auto found no copy that scans healthy and is of the same Windows ({}): \
             `winsock-doctor scan TARGET --history` lists the candidates; name one with --from, \
             or rebuild the catalog with --mode reset",
            if seen.is_empty() {
                "no other control set, no older copy".to_string()
            } else {
                seen.join("; ")
            }
        ),
    })
}

type Loaded = (String, ControlSetCatalogs, WindowsVersion, Vec<SubtreeKey>);

/// Control set `number` of the hive repaired: the same machine, so the same Windows.
fn same_hive(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    windows: &WindowsVersion,
    number: u32,
) -> Result<Loaded> {
    let name = control_set_name(number);
    if name.eq_ignore_ascii_case(&catalogs.selected.control_set) {
        return Err(Error::Usage(format!(
            "{name} is the control set being repaired: restore from another one ({})",
            catalogs.control_sets_present.join(", ")
        )));
    }
    let source = hive.catalogs(Some(number), false)?.selected;
    let keys = hive.read(|r| restored_keys(r, &source.control_set))?;
    Ok((
        format!("{name} of the same hive"),
        source,
        windows.clone(),
        keys,
    ))
}

/// Another hive file, opened read-only with its logs replayed.
fn other_hive(hive: &OpenedHive, path: &Path) -> Result<Loaded> {
    let same_file = |a: &Path, b: &Path| matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(a), Ok(b)) if a == b);
    if same_file(hive.path(), path) {
        return Err(Error::Usage(format!(
            "{} is the hive being repaired: name one of its control sets (--from ControlSet002) or another hive",
            path.display()
        )));
    }
    let source = OpenedHive::open(path, LogOptions::default())?;
    let catalogs = source.catalogs(None, false)?;
    // The SOFTWARE saved with it tells its build: another build of the same Windows is then
    // told apart.
    let software = software_beside(path).map(Software::File);
    let windows = detect_windows(&source, &catalogs, None, software)?.windows;
    let keys = source.read(|r| restored_keys(r, &catalogs.selected.control_set))?;
    let label = format!(
        "{} (sha256 {}, {})",
        path.display(),
        source.input().sha256,
        catalogs.selected.control_set
    );
    Ok((label, catalogs.selected, windows, keys))
}

/// The provider DLLs the restored keys of `catalogs` name that are not on the volume of
/// `target` (the transports' helper DLLs are not restored, so not counted).
fn missing_dlls(target: &Target, catalogs: &ControlSetCatalogs) -> Result<Vec<String>> {
    let Some(report) = target.check_dlls(catalogs, SYSTEM_DRIVE)? else {
        return Ok(Vec::new());
    };
    let restored: Vec<String> = RESTORED_KEYS
        .iter()
        .map(|k| format!(r"{}\{k}", catalogs.control_set))
        .collect();
    Ok(report
        .dlls
        .into_iter()
        .filter(|d| d.status == DllStatus::Missing)
        .filter(|d| {
            d.references
                .iter()
                .any(|r| restored.iter().any(|k| key_at_or_below(&r.key, k)))
        })
        .map(|d| d.stored_path)
        .collect())
}
