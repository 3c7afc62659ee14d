//! What every repair of a catalog shares: where its keys are, which entry lists it has, its
//! counters (`Num_Catalog_Entries[64]`, `Next_Catalog_Entry_ID`, `Serial_Access_Num`) and the
//! writer lock key (format doc §1.2-1.6).

use crate::hive::value::{RawValue, find, names_equal};
use crate::winsock::catalog::{
    CATALOG_ENTRIES, CATALOG_ENTRIES64, CatalogList, CatalogRoot, ControlSetCatalogs,
    NamespaceEntry, ProtocolEntry, WINSOCK2_PARAMETERS,
};
use crate::winsock::family::Arch;
use crate::winsock::repair::plan::{CurrentEntry, RepairPlan, SERIAL_ACCESS_NUM};
use crate::winsock::windows_version::WindowsVersion;

pub const NUM_CATALOG_ENTRIES: &str = "Num_Catalog_Entries";
pub const NUM_CATALOG_ENTRIES64: &str = "Num_Catalog_Entries64";
pub const NEXT_CATALOG_ENTRY_ID: &str = "Next_Catalog_Entry_ID";
/// ws2_32 hands out catalog IDs from here (ReactOS initialises the counter to it).
pub const FIRST_CATALOG_ID: u32 = 1001;

/// `ControlSet001\Services\WinSock2\Parameters`.
pub fn parameters_path(cs: &ControlSetCatalogs) -> String {
    format!(r"{}\{WINSOCK2_PARAMETERS}", cs.control_set)
}

/// A key path from the control set, as findings name keys: `Services\WinSock2\...`.
pub fn relative<'p>(cs: &ControlSetCatalogs, path: &'p str) -> &'p str {
    path.get(cs.control_set.len() + 1..).unwrap_or(path)
}

/// The protocol catalog key, as the hive names it.
pub fn protocol_root_path(cs: &ControlSetCatalogs) -> String {
    format!(r"{}\{}", parameters_path(cs), cs.protocol_catalog_key())
}

pub fn namespace_root_path(cs: &ControlSetCatalogs) -> String {
    format!(r"{}\{}", parameters_path(cs), cs.namespace_catalog_key())
}

/// The entry lists Windows keeps: both on x64, the 32-bit one only elsewhere.
pub fn list_names(windows: &WindowsVersion) -> &'static [&'static str] {
    if windows.arch == Arch::Amd64 {
        &[CATALOG_ENTRIES, CATALOG_ENTRIES64]
    } else {
        &[CATALOG_ENTRIES]
    }
}

/// The entry list `name`, when its key exists.
pub fn find_list<'a, E>(lists: &'a [CatalogList<E>], name: &str) -> Option<&'a CatalogList<E>> {
    lists
        .iter()
        .find(|l| l.present && names_equal(&l.name, name))
}

/// The count value of an entry list.
pub fn count_value(list_name: &str) -> &'static str {
    if names_equal(list_name, CATALOG_ENTRIES64) {
        NUM_CATALOG_ENTRIES64
    } else {
        NUM_CATALOG_ENTRIES
    }
}

/// An entry key of the model, as the plan compares it.
pub trait AsCurrent {
    fn current(&self) -> CurrentEntry<'_>;
}

impl AsCurrent for ProtocolEntry {
    fn current(&self) -> CurrentEntry<'_> {
        CurrentEntry {
            name: &self.key,
            values: &self.values,
            subkeys: &self.subkeys,
        }
    }
}

impl AsCurrent for NamespaceEntry {
    fn current(&self) -> CurrentEntry<'_> {
        CurrentEntry {
            name: &self.key,
            values: &self.values,
            subkeys: &self.subkeys,
        }
    }
}

/// Every key of a list (none when the list is absent).
pub fn current_entries<E: AsCurrent>(list: Option<&CatalogList<E>>) -> Vec<CurrentEntry<'_>> {
    list.map(|l| l.entries.iter().map(AsCurrent::current).collect())
        .unwrap_or_default()
}

/// Set the counters of a catalog root: the entry counts, `Next_Catalog_Entry_ID` when given,
/// and `Serial_Access_Num` one higher (created at 1 with a new root; NT 4.0 roots, which have
/// none, get none). Creates the root when `root` is `None`.
pub fn counters(
    plan: &mut RepairPlan,
    root_path: &str,
    root: Option<&CatalogRoot>,
    counts: &[(&str, u32)],
    next_id: Option<u32>,
) {
    let current: &[RawValue] = root.map_or(&[], |r| &r.values);
    if root.is_none() {
        plan.create_key(root_path);
    }
    for &(list, count) in counts {
        plan.set(
            root_path,
            current,
            RawValue::dword(count_value(list), count),
        );
    }
    if let Some(next) = next_id {
        plan.set(
            root_path,
            current,
            RawValue::dword(NEXT_CATALOG_ENTRY_ID, next),
        );
    }
    // Never 0 (ws2_32 would take the catalog for loaded and read nothing); a value that is not
    // a DWORD starts again at 1.
    let serial = match root {
        None => Some(1),
        Some(r) => match r.serial_access_num {
            Some(s) => Some(s.checked_add(1).unwrap_or(1)),
            None => find(&r.values, SERIAL_ACCESS_NUM).map(|_| 1),
        },
    };
    if let Some(serial) = serial {
        plan.set(
            root_path,
            current,
            RawValue::dword(SERIAL_ACCESS_NUM, serial),
        );
    }
}

/// Delete a persisted writer lock (`%08X` of `Serial_Access_Num`, before or after the bump):
/// Windows creates it volatile, so on disk it is always stale. Returns whether one was found.
pub fn delete_locks(plan: &mut RepairPlan, root_path: &str, root: Option<&CatalogRoot>) -> bool {
    let Some(root) = root else { return false };
    let Some(serial) = root.serial_access_num else {
        return false;
    };
    let mut found = false;
    for serial in [serial, serial.wrapping_add(1)] {
        if let Some(name) = root.lock_key(serial) {
            plan.delete_key(&format!(r"{root_path}\{name}"), &[], &[]);
            found = true;
        }
    }
    found
}
