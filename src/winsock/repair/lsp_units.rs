//! What one layered provider is, for `--lsp`: an installer lays down one hidden layered entry per
//! catalog list (32- and 64-bit), all with the same provider GUID, and chain entries whose chain
//! starts at one of them (format doc §5). Whatever a selector names — the hidden entry's ID, a
//! chain's ID, a GUID, the 32- or 64-bit DLL — selects that whole unit in every list, so that no
//! repair removes half an LSP.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::winsock::catalog::ProtocolEntry;
use crate::winsock::dll_path::DllPath;
use crate::winsock::guid::Guid;
use crate::winsock::packed_item::EntryKind;
use crate::winsock::repair::PlanError;

/// Which layered provider `--lsp` names: a catalog ID, a provider GUID or a DLL (its file name
/// or full path, any letter case). Any entry of an LSP selects the whole LSP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LspSelector {
    Id(u32),
    Guid(Guid),
    Dll(String),
}

impl std::str::FromStr for LspSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty --lsp names nothing".into());
        }
        if let Ok(id) = text.parse::<u32>() {
            return Ok(Self::Id(id));
        }
        if let Ok(guid) = text.parse::<Guid>() {
            return Ok(Self::Guid(guid));
        }
        Ok(Self::Dll(text.to_string()))
    }
}

impl std::fmt::Display for LspSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Id(id) => write!(f, "ID {id}"),
            Self::Guid(guid) => write!(f, "GUID {guid}"),
            Self::Dll(dll) => write!(f, "DLL {dll}"),
        }
    }
}

impl LspSelector {
    fn matches(&self, entry: &ProtocolEntry) -> bool {
        let Some(item) = &entry.item else {
            return false;
        };
        match self {
            Self::Id(id) => item.catalog_entry_id == *id,
            Self::Guid(guid) => item.provider_id == *guid,
            Self::Dll(dll) => {
                item.library_path.eq_ignore_ascii_case(dll)
                    || DllPath::parse(&item.library_path).file_name == DllPath::parse(dll).file_name
            }
        }
    }
}

/// One removable unit of the protocol catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LspUnit {
    /// A layered provider: its hidden entries (by their provider GUID) and their chains.
    Layered(Guid),
    /// A chain (or invalid) entry whose chain does not start at a layered entry of its list:
    /// nothing else belongs with it.
    Stray(u32),
}

/// The unit `entry` belongs to in its `list`; `None` for a base provider.
pub fn unit_of(entry: &ProtocolEntry, list: &[&ProtocolEntry]) -> Option<LspUnit> {
    let item = entry.item.as_ref()?;
    match item.kind() {
        EntryKind::Base => None,
        EntryKind::Layered => Some(LspUnit::Layered(item.provider_id)),
        EntryKind::Chain | EntryKind::Invalid => {
            let top = item.chain.first().and_then(|top| {
                list.iter()
                    .filter_map(|e| e.item.as_ref())
                    .find(|i| i.catalog_entry_id == *top && i.kind() == EntryKind::Layered)
            });
            Some(match top {
                Some(layered) => LspUnit::Layered(layered.provider_id),
                None => LspUnit::Stray(item.catalog_entry_id),
            })
        }
    }
}

/// The units `selectors` name across every list (`lists`: the loaded entries of each), all of
/// them when there is no selector. A selector that names no unit, or more than one, is an
/// error that lists the LSPs there are.
pub fn select(
    lists: &[Vec<&ProtocolEntry>],
    selectors: &[LspSelector],
) -> Result<BTreeSet<LspUnit>, PlanError> {
    let units_where = |wanted: &dyn Fn(&ProtocolEntry) -> bool| -> BTreeSet<LspUnit> {
        lists
            .iter()
            .flat_map(|list| {
                list.iter()
                    .filter(|e| wanted(e))
                    .filter_map(|e| unit_of(e, list))
            })
            .collect()
    };
    if selectors.is_empty() {
        return Ok(units_where(&|_| true));
    }
    let mut selected = BTreeSet::new();
    for selector in selectors {
        let units = units_where(&|e| selector.matches(e));
        match units.len() {
            0 => {
                return Err(PlanError::NoSuchLsp(format!(
                    "{selector}; {}",
                    describe_all(lists)
                )));
            }
            1 => selected.extend(units),
            _ => {
                return Err(PlanError::AmbiguousLsp(format!(
                    "{selector} names {} of them; {}",
                    units.len(),
                    describe_all(lists)
                )));
            }
        }
    }
    Ok(selected)
}

/// "the layered providers here: WebGuard Filter (hidden ID 1014, {GUID}; wglsp.dll,
/// wglsp64.dll; chains 1015, 1016)", or that there are none.
fn describe_all(lists: &[Vec<&ProtocolEntry>]) -> String {
    #[derive(Default)]
    struct Described {
        name: String,
        hidden: BTreeSet<u32>,
        dlls: BTreeSet<String>,
        chains: BTreeSet<u32>,
    }
    let mut units: BTreeMap<LspUnit, Described> = BTreeMap::new();
    for list in lists {
        for entry in list {
            let (Some(unit), Some(item)) = (unit_of(entry, list), &entry.item) else {
                continue;
            };
            let described = units.entry(unit).or_default();
            if item.kind() == EntryKind::Layered {
                described.name = item.sz_protocol.clone();
                described.hidden.insert(item.catalog_entry_id);
            } else {
                described.chains.insert(item.catalog_entry_id);
            }
            described
                .dlls
                .insert(DllPath::parse(&item.library_path).file_name);
        }
    }
    if units.is_empty() {
        return "there is no layered provider in this catalog".to_string();
    }
    let join = |set: &BTreeSet<u32>| {
        set.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let described: Vec<String> = units
        .iter()
        .map(|(unit, d)| match unit {
            LspUnit::Layered(guid) => format!(
                "{} (hidden ID {}, {guid}; {}; chains {})",
                d.name,
                join(&d.hidden),
                d.dlls.iter().cloned().collect::<Vec<_>>().join(", "),
                join(&d.chains)
            ),
            LspUnit::Stray(id) => format!("a chain entry without its layered entry (ID {id})"),
        })
        .collect();
    format!("the layered providers here: {}", described.join("; "))
}
