//! `--mode restore --from SOURCE`: put back the Winsock configuration of another copy of the
//! machine's own configuration (another control set, a RegBack or restore-point copy, a donor):
//! `Services\WinSock2` and `Services\Winsock` become the source's, key for key and value for
//! value, IDs included. Only what differs is edited. Two things are not copied as stored:
//! `Serial_Access_Num` rises above both copies' (a writer's change must be seen as one), and
//! `Next_Catalog_Entry_ID` never goes down (IDs handed out since must not be handed out again);
//! a persisted writer lock of the source (stale on disk) is left out.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::reader::HiveReader;
use crate::hive::subtree::{SubtreeKey, read_subtree};
use crate::hive::value::{RawValue, key_at_or_below, names_equal};
use crate::winsock::catalog::{CatalogList, CatalogRoot, ControlSetCatalogs};
use crate::winsock::catalog_diff::{Catalog, CatalogDiff, ProviderLine, diff_catalogs};
use crate::winsock::control_set::control_set_number;
use crate::winsock::diagnose::EntryKey;
use crate::winsock::family::{Arch, Family};
use crate::winsock::findings::Code;
use crate::winsock::repair::layout::{
    NEXT_CATALOG_ENTRY_ID, namespace_root_path, protocol_root_path, relative,
};
use crate::winsock::repair::plan::{Removed, RepairPlan, RestoreReport, SERIAL_ACCESS_NUM};
use crate::winsock::repair::{Context, PlanError};
use crate::winsock::windows_version::WindowsVersion;

/// The two subtrees a restore replaces, from the control set.
pub const RESTORED_KEYS: [&str; 2] = [r"Services\WinSock2", r"Services\Winsock"];

/// What `--from` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreFrom {
    /// `ControlSet002`: another control set of the same hive.
    ControlSet(u32),
    /// `LastKnownGood`: the control set `Select\LastKnownGood` names.
    LastKnownGood,
    /// Another hive file (a RegBack or restore-point copy, a donor).
    Hive(PathBuf),
    /// The newest candidate found (another control set, an older copy on the volume) that
    /// scans healthy and is of the same Windows.
    Auto,
}

impl RestoreFrom {
    /// `ControlSetNNN`, `LastKnownGood`, `auto` (any letter case), else a path (`./auto` for a
    /// file named so).
    pub fn from_user(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("--from needs a control set, LastKnownGood, auto or a hive file".into());
        }
        Ok(if text.eq_ignore_ascii_case("auto") {
            Self::Auto
        } else if text.eq_ignore_ascii_case("LastKnownGood") {
            Self::LastKnownGood
        } else if let Some(number) = control_set_number(text) {
            Self::ControlSet(number)
        } else {
            Self::Hive(PathBuf::from(text))
        })
    }
}

impl fmt::Display for RestoreFrom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ControlSet(n) => write!(f, "ControlSet{n:03}"),
            Self::LastKnownGood => f.write_str("LastKnownGood"),
            Self::Hive(path) => write!(f, "{}", path.display()),
            Self::Auto => f.write_str("auto"),
        }
    }
}

impl Serialize for RestoreFrom {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The copy a restore puts back, as the pipeline read it.
#[derive(Debug, Clone)]
pub struct RestoreSource {
    /// Where it comes from, for people: `ControlSet002 of the same hive`, a path.
    pub label: String,
    /// Every key of [`RESTORED_KEYS`] with its values, paths from the control set.
    pub keys: Vec<SubtreeKey>,
    pub catalogs: ControlSetCatalogs,
    pub windows: WindowsVersion,
    /// The problems its own diagnosis finds (a restore cannot fix those).
    pub problems: Vec<Code>,
    /// The provider DLLs it names that are missing on the volume (with a volume).
    pub missing_dlls: Vec<String>,
}

/// What the planner needs for a restore.
#[derive(Debug, Clone)]
pub struct RestoreInputs<'a> {
    pub source: &'a RestoreSource,
    /// The keys of [`RESTORED_KEYS`] now, paths from the control set.
    pub current: Vec<SubtreeKey>,
    /// `--allow-other-windows`: the user insists on a source of another Windows.
    pub allow_other_windows: bool,
}

/// Why a source of another Windows is not the same configuration, or `None` when it is.
pub fn other_windows(target: &WindowsVersion, source: &WindowsVersion) -> Option<String> {
    if target.family == Family::Unknown || source.family == Family::Unknown {
        return Some(format!(
            "the Windows version is not known (the source: {}; the hive repaired: {})",
            source.label, target.label
        ));
    }
    if target.family != source.family {
        return Some(format!(
            "the source is {} and the hive repaired is {}",
            source.label, target.label
        ));
    }
    let known = |arch: Arch| arch != Arch::Unknown;
    if known(target.arch) && known(source.arch) && target.arch != source.arch {
        return Some(format!(
            "the source is {:?} and the hive repaired is {:?}: the catalogs of one architecture do not fit the other",
            source.arch, target.arch
        ));
    }
    match (target.build, source.build) {
        (Some(now), Some(then)) if now != then => Some(format!(
            "the source is build {then} and the hive repaired is build {now}"
        )),
        _ => None,
    }
}

pub fn plan(
    cs: &ControlSetCatalogs,
    context: &Context<'_>,
    plan: &mut RepairPlan,
) -> Result<(), PlanError> {
    let inputs = context.restore.as_ref().ok_or(PlanError::NoRestoreSource)?;
    let source = inputs.source;
    let other = other_windows(context.windows, &source.windows);
    if let Some(reason) = &other {
        if !inputs.allow_other_windows {
            return Err(PlanError::OtherWindows(reason.clone()));
        }
    }
    if !source
        .keys
        .iter()
        .any(|k| names_equal(&k.path, RESTORED_KEYS[0]))
    {
        return Err(PlanError::EmptySource(source.label.clone()));
    }
    let wanted = wanted_keys(cs, source);
    mirror(&cs.control_set, &inputs.current, &wanted, plan);
    claim_what_the_source_lacks(context, source, plan);
    let diff = diff_catalogs(cs, &source.catalogs);
    record_removed(cs, &diff, plan);
    explain(source, other.as_deref(), &diff, plan);
    plan.restore = Some(RestoreReport {
        source: source.label.clone(),
        source_windows: source.windows.label.clone(),
        other_windows: other,
        catalogs: diff,
        missing_dlls: source.missing_dlls.clone(),
    });
    Ok(())
}

/// The source's keys as they are to be written: its lock keys left out, its counters raised
/// where the current ones are higher.
fn wanted_keys(cs: &ControlSetCatalogs, source: &RestoreSource) -> Vec<SubtreeKey> {
    let protocol_root = protocol_root_path(&source.catalogs);
    let protocol_root = relative(&source.catalogs, &protocol_root);
    let namespace_root = namespace_root_path(&source.catalogs);
    let namespace_root = relative(&source.catalogs, &namespace_root);
    let serial_now =
        |root: &Option<CatalogRoot>| root.as_ref().and_then(|r| r.serial_access_num).unwrap_or(0);
    let next_id_now = cs
        .protocol_catalog
        .as_ref()
        .and_then(|r| r.next_catalog_entry_id);
    source
        .keys
        .iter()
        .filter(|key| !is_lock_key(&key.path, &[protocol_root, namespace_root]))
        .map(|key| {
            let mut key = key.clone();
            let serial = if names_equal(&key.path, protocol_root) {
                Some(serial_now(&cs.protocol_catalog))
            } else if names_equal(&key.path, namespace_root) {
                Some(serial_now(&cs.namespace_catalog))
            } else {
                None
            };
            if let Some(now) = serial {
                raise(&mut key.values, SERIAL_ACCESS_NUM, now, 1);
            }
            if names_equal(&key.path, protocol_root) {
                if let Some(now) = next_id_now {
                    raise(&mut key.values, NEXT_CATALOG_ENTRY_ID, now, 0);
                }
            }
            key
        })
        .collect()
}

/// Set the DWORD `name` (when the source has it) to `step` above the higher of its value and
/// `now`.
fn raise(values: &mut [RawValue], name: &str, now: u32, step: u32) {
    if let Some(value) = values.iter_mut().find(|v| v.is_named(name)) {
        if let Some(then) = value.as_dword() {
            *value = RawValue::dword(name, then.max(now).wrapping_add(step));
        }
    }
}

/// A persisted writer lock: a subkey of a catalog root named with eight hex digits (`%08X`).
fn is_lock_key(path: &str, roots: &[&str]) -> bool {
    let Some((parent, name)) = path.rsplit_once('\\') else {
        return false;
    };
    name.len() == 8
        && name.bytes().all(|b| b.is_ascii_hexdigit())
        && roots.iter().any(|root| names_equal(parent, root))
}

fn find<'k>(keys: &'k [SubtreeKey], path: &str) -> Option<&'k SubtreeKey> {
    keys.iter().find(|k| names_equal(&k.path, path))
}

/// Edits that make the keys `current` hold exactly `wanted` (paths from `control_set`).
fn mirror(control_set: &str, current: &[SubtreeKey], wanted: &[SubtreeKey], plan: &mut RepairPlan) {
    let full = |path: &str| format!(r"{control_set}\{path}");
    let children = |path: &str| -> Vec<String> {
        current
            .iter()
            .filter_map(|k| k.path.rsplit_once('\\'))
            .filter(|(parent, _)| names_equal(parent, path))
            .map(|(_, name)| name.to_string())
            .collect()
    };
    for key in current {
        let is_top = RESTORED_KEYS.iter().any(|top| names_equal(&key.path, top));
        let parent_kept = key
            .path
            .rsplit_once('\\')
            .is_some_and(|(parent, _)| find(wanted, parent).is_some());
        if find(wanted, &key.path).is_none() && (is_top || parent_kept) {
            plan.delete_key(&full(&key.path), &key.values, &children(&key.path));
        }
    }
    for key in wanted {
        match find(current, &key.path) {
            Some(now) => plan.values(&full(&now.path), &now.values, &key.values),
            None => {
                plan.create_key(&full(&key.path));
                plan.values(&full(&key.path), &[], &key.values);
            }
        }
    }
}

/// The problems in the two keys now that the source does not have: after the restore, none
/// may remain.
fn claim_what_the_source_lacks(
    context: &Context<'_>,
    source: &RestoreSource,
    plan: &mut RepairPlan,
) {
    for scope in RESTORED_KEYS {
        let codes: Vec<Code> = context
            .findings
            .iter()
            .filter(|f| f.is_problem() && key_at_or_below(&f.key, scope))
            .map(|f| f.code)
            .filter(|code| !source.problems.contains(code))
            .collect();
        plan.claim(context.findings, &codes, scope);
    }
}

/// The providers present now that the source lacks, kept whole so they can be reinstalled.
fn record_removed(cs: &ControlSetCatalogs, diff: &CatalogDiff, plan: &mut RepairPlan) {
    let reason = "not in the source restored";
    for line in &diff.removed {
        match line.catalog {
            Catalog::Protocol => {
                if let Some((list, entry)) = find_present(&cs.protocol_catalogs, line) {
                    let key = format!(r"{}\{}\{}", protocol_root_path(cs), list.name, entry.key);
                    let removed = Removed {
                        item: entry.item.as_ref(),
                        raw: entry.packed_catalog_item_raw.as_deref(),
                        values: &entry.values,
                    };
                    plan.removed_protocol(key, reason, removed);
                }
            }
            Catalog::Namespace => {
                if let Some((list, entry)) = find_present(&cs.namespace_catalogs, line) {
                    let key = format!(r"{}\{}\{}", namespace_root_path(cs), list.name, entry.key);
                    plan.removed_namespace(key, reason, &entry.provider, &entry.values);
                }
            }
        }
    }
}

/// The entry `line` names, in the present list of its name.
fn find_present<'c, E: EntryKey>(
    lists: &'c [CatalogList<E>],
    line: &ProviderLine,
) -> Option<(&'c CatalogList<E>, &'c E)> {
    lists
        .iter()
        .filter(|l| l.present && names_equal(&l.name, &line.list))
        .find_map(|l| {
            let entry = l.entries.iter().find(|e| e.key_name() == line.key)?;
            Some((l, entry))
        })
}

/// What the technician should know before trusting the result: what is lost, what may not work.
fn explain(source: &RestoreSource, other: Option<&str>, diff: &CatalogDiff, plan: &mut RepairPlan) {
    plan.note(format!(
        "restored {} and {} from {} ({})",
        RESTORED_KEYS[0], RESTORED_KEYS[1], source.label, source.windows.label
    ));
    if let Some(reason) = other {
        plan.note(format!(
            "the source is of another Windows ({reason}); restored anyway as --allow-other-windows asks"
        ));
    }
    let describe = |line: &ProviderLine| {
        let id = line.id.map(|id| format!(" ID {id}")).unwrap_or_default();
        format!(
            "\"{}\" ({}{id}, {})",
            line.name, line.list, line.library_path
        )
    };
    for line in &diff.removed {
        plan.note(format!(
            "lost: {}, present now and not in the source (installed since, or damage); reinstall it if it is wanted",
            describe(line)
        ));
    }
    if !diff.added.is_empty() {
        let names: Vec<String> = diff
            .added
            .iter()
            .map(|l| format!("\"{}\"", l.name))
            .collect();
        plan.note(format!(
            "put back: {} providers missing now: {}",
            diff.added.len(),
            names.join(", ")
        ));
    }
    for changed in &diff.changed {
        plan.note(format!(
            "changed: {}: {}",
            describe(&changed.provider),
            changed.differences.join(", ")
        ));
    }
    for transport in &diff.transports_removed {
        plan.note(format!(
            "the transport {transport} is listed now and not in the source: its sockets will not work until it is reinstalled"
        ));
    }
    for dll in &source.missing_dlls {
        plan.note(format!(
            "the source names {dll}, which is missing on the volume: that provider will fail to load"
        ));
    }
    if diff.source_lsps > 0 {
        plan.note(format!(
            "the source holds {} layered entries (LSPs); `--mode remove-lsp` takes them out afterwards if they are not wanted",
            diff.source_lsps
        ));
    }
}

/// Every key of [`RESTORED_KEYS`] in `control_set`, paths from the control set.
pub fn restored_keys(
    reader: &HiveReader<'_>,
    control_set: &str,
) -> Result<Vec<SubtreeKey>, FormatError> {
    let mut out = Vec::new();
    for key in RESTORED_KEYS {
        let Some(keys) = read_subtree(reader, &format!(r"{control_set}\{key}"))? else {
            continue;
        };
        out.extend(keys.into_iter().map(|k| {
            SubtreeKey {
                path: k
                    .path
                    .split_once('\\')
                    .map_or_else(|| k.path.clone(), |(_, rest)| rest.to_string()),
                values: k.values,
            }
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::winsock::repair::plan::Edit;

    fn key(path: &str, values: Vec<RawValue>) -> SubtreeKey {
        SubtreeKey {
            path: path.to_string(),
            values,
        }
    }

    #[test]
    fn from_names_a_control_set_last_known_good_or_a_file() {
        assert_eq!(
            RestoreFrom::from_user("controlset002"),
            Ok(RestoreFrom::ControlSet(2))
        );
        assert_eq!(
            RestoreFrom::from_user("LASTKNOWNGOOD"),
            Ok(RestoreFrom::LastKnownGood)
        );
        assert_eq!(
            RestoreFrom::from_user("./ControlSet002"),
            Ok(RestoreFrom::Hive("./ControlSet002".into()))
        );
        assert!(RestoreFrom::from_user("").is_err());
    }

    #[test]
    fn only_eight_hex_digits_under_a_catalog_root_are_a_lock() {
        let roots = [r"Services\WinSock2\Parameters\Protocol_Catalog9"];
        assert!(is_lock_key(
            r"Services\WinSock2\Parameters\Protocol_Catalog9\0000001A",
            &roots
        ));
        assert!(!is_lock_key(
            r"Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries",
            &roots
        ));
        assert!(!is_lock_key(
            r"Services\WinSock2\Parameters\0000001A",
            &roots
        ));
    }

    #[test]
    fn mirror_deletes_the_top_of_what_the_source_lacks_and_creates_what_it_has() {
        let a = RawValue::dword("A", 1);
        let b = RawValue::dword("A", 2);
        let current = [
            key(r"Services\WinSock2", vec![a.clone()]),
            key(r"Services\WinSock2\Gone", vec![]),
            key(r"Services\WinSock2\Gone\Below", vec![]),
            key(r"Services\Winsock", vec![]),
        ];
        let wanted = [
            key(r"Services\WinSock2", vec![b.clone()]),
            key(r"Services\WinSock2\New", vec![a.clone()]),
        ];
        let mut plan = RepairPlan::new("ControlSet001");
        mirror("ControlSet001", &current, &wanted, &mut plan);
        let deleted = plan.deleted_keys();
        assert_eq!(
            deleted,
            [
                r"ControlSet001\Services\WinSock2\Gone",
                r"ControlSet001\Services\Winsock"
            ]
        );
        assert!(plan.edits.contains(&Edit::CreateKey {
            key: r"ControlSet001\Services\WinSock2\New".into()
        }));
        assert!(plan.edits.contains(&Edit::SetValue {
            key: r"ControlSet001\Services\WinSock2".into(),
            before: Some(a),
            after: b,
        }));
    }

    #[test]
    fn counters_only_rise() {
        let mut values = vec![RawValue::dword(SERIAL_ACCESS_NUM, 5)];
        raise(&mut values, SERIAL_ACCESS_NUM, 9, 1);
        assert_eq!(values[0].as_dword(), Some(10));
        raise(&mut values, SERIAL_ACCESS_NUM, 3, 1);
        assert_eq!(values[0].as_dword(), Some(11));
    }
}
