//! The Winsock configuration of a SYSTEM hive, read into a model the diagnosis and the reports
//! work from: for one control set, `Services\WinSock2\Parameters`, both protocol catalogs
//! (`Protocol_Catalog9\Catalog_Entries[64]`), both namespace catalogs, the transports and the
//! AFD and Tcpip services.
//!
//! Nothing is left out because it looks wrong: every subkey of a catalog is kept under its own
//! name (gaps, keys past the count, junk names, lock keys), every value raw next to its decoded
//! form, and a missing key or value is `None`, not an error. One unreadable entry or key is
//! recorded (in the entry, or in `read_errors`) and the rest is still read.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::filetime::serialize_filetime;
use crate::hive::reader::{HiveReader, Key};
use crate::hive::value::{REG_BINARY, RawValue, find, names_equal};
use crate::winsock::control_set::{
    ChosenBy, ControlSetChoice, Select, choose, control_set_name, list_control_sets, read_select,
};
use crate::winsock::namespace_entry::NamespaceProvider;
use crate::winsock::packed_item::{EntryKind, PackedCatalogItem};
use crate::winsock::services::{
    ServiceKey, TransportHelper, WinsockParameters, read_service, read_transport,
    read_winsock_parameters,
};
use crate::winsock::well_known::{display_name, provider_name};

pub const WINSOCK2_PARAMETERS: &str = r"Services\WinSock2\Parameters";
pub const DEFAULT_PROTOCOL_CATALOG: &str = "Protocol_Catalog9";
pub const DEFAULT_NAMESPACE_CATALOG: &str = "NameSpace_Catalog5";
pub const CATALOG_ENTRIES: &str = "Catalog_Entries";
pub const CATALOG_ENTRIES64: &str = "Catalog_Entries64";
pub const PACKED_CATALOG_ITEM: &str = "PackedCatalogItem";
pub const PROTOCOL_NAME: &str = "ProtocolName";

/// The Winsock configuration of a hive: the chosen control set, and the others on request.
#[derive(Debug, Clone, Serialize)]
pub struct SystemCatalogs {
    /// The root `Select` key; `None` when missing.
    pub select: Option<Select>,
    /// `ControlSetNNN` keys under the root, ascending.
    pub control_sets_present: Vec<String>,
    /// The control set asked for, else the one `Select\Current` names.
    pub selected: ControlSetCatalogs,
    /// The other control sets, when asked for.
    pub others: Vec<ControlSetCatalogs>,
}

/// Everything Winsock reads from one control set.
#[derive(Debug, Clone, Serialize)]
pub struct ControlSetCatalogs {
    /// The control set's key name, e.g. `ControlSet001`.
    pub control_set: String,
    /// How this control set was chosen (`None` for the extra ones of `--all-control-sets`).
    pub chosen_by: Option<ChosenBy>,
    /// `Services\WinSock2\Parameters`; `None` when missing.
    pub winsock2_parameters: Option<Winsock2Parameters>,
    /// The protocol catalog key (named by `Current_Protocol_Catalog`).
    pub protocol_catalog: Option<CatalogRoot>,
    /// `Catalog_Entries` then `Catalog_Entries64`, each when its key or its count value exists.
    pub protocol_catalogs: Vec<CatalogList<ProtocolEntry>>,
    /// The namespace catalog key (named by `Current_NameSpace_Catalog`).
    pub namespace_catalog: Option<CatalogRoot>,
    /// `Catalog_Entries` then `Catalog_Entries64` of the namespace catalog.
    pub namespace_catalogs: Vec<CatalogList<NamespaceEntry>>,
    /// `Services\Winsock\Parameters`.
    pub winsock_parameters: Option<WinsockParameters>,
    /// One per name in `Transports`, in that order.
    pub transports: Vec<TransportHelper>,
    /// `Services\AFD`, the kernel side of every socket; `None` when missing.
    pub afd: Option<ServiceKey>,
    /// `Services\Tcpip`; `None` when missing.
    pub tcpip: Option<ServiceKey>,
    /// Keys that exist but could not be read; the parts below them are `None` or empty.
    pub read_errors: Vec<ReadError>,
}

impl ControlSetCatalogs {
    /// The protocol catalog's key name as the hive spells it; the usual one when it is missing.
    pub fn protocol_catalog_key(&self) -> &str {
        key_or(&self.protocol_catalog, DEFAULT_PROTOCOL_CATALOG)
    }

    /// The namespace catalog's key name as the hive spells it; the usual one when it is missing.
    pub fn namespace_catalog_key(&self) -> &str {
        key_or(&self.namespace_catalog, DEFAULT_NAMESPACE_CATALOG)
    }
}

fn key_or<'a>(root: &'a Option<CatalogRoot>, default: &'a str) -> &'a str {
    root.as_ref().map_or(default, |r| r.key.as_str())
}

/// A key that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadError {
    /// Path from the hive root, e.g. `ControlSet001\Services\AFD`.
    pub key: String,
    /// What the reader met there.
    pub error: String,
}

/// `Services\WinSock2\Parameters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Winsock2Parameters {
    pub current_protocol_catalog: Option<String>,
    pub current_namespace_catalog: Option<String>,
    pub winsock_registry_version: Option<String>,
    pub autodial_dll: Option<String>,
    pub namespace_callout: Option<String>,
    /// All values, the ones above included.
    pub values: Vec<RawValue>,
    pub subkeys: Vec<String>,
}

/// The root key of a catalog (`Protocol_Catalog9` or `NameSpace_Catalog5`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogRoot {
    pub key: String,
    pub num_catalog_entries: Option<u32>,
    pub num_catalog_entries64: Option<u32>,
    pub next_catalog_entry_id: Option<u32>,
    pub serial_access_num: Option<u32>,
    /// NT 4.0 keeps this instead of `Serial_Access_Num`.
    pub next_provider_id: Option<u32>,
    /// All values, the ones above included.
    pub values: Vec<RawValue>,
    /// All subkeys: the entry lists, and any stale writer lock (`%08X` of the serial number).
    pub subkeys: Vec<String>,
}

impl CatalogRoot {
    /// The subkey a writer holding serial number `serial` names its lock after (`%08X`, §1.6),
    /// as stored, when it exists.
    pub fn lock_key(&self, serial: u32) -> Option<&str> {
        let lock = format!("{serial:08X}");
        self.subkeys
            .iter()
            .find(|k| names_equal(k, &lock))
            .map(String::as_str)
    }
}

/// One entry list (`Catalog_Entries` or `Catalog_Entries64`) with its count from the root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogList<E> {
    /// `Catalog_Entries` or `Catalog_Entries64`, as the hive spells it.
    pub name: String,
    /// Whether the key exists (a count value may exist without it).
    pub present: bool,
    /// The root's count for this list (`Num_Catalog_Entries` or `Num_Catalog_Entries64`).
    pub num_entries: Option<u32>,
    /// The root's `Next_Catalog_Entry_ID` (shared by both protocol lists; none for namespaces).
    pub next_catalog_entry_id: Option<u32>,
    /// Every subkey, in the order of the hive's subkey list (sorted by name in a sound hive).
    pub entries: Vec<E>,
}

/// One subkey of a protocol entry list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProtocolEntry {
    /// The entry's key name, e.g. `000000000001`.
    pub key: String,
    /// The `ProtocolName` value if present, else `szProtocol`.
    pub protocol_name: Option<String>,
    /// `protocol_name` made readable: the text behind a known indirect string.
    pub display_name: Option<String>,
    /// The separate `ProtocolName` value (Windows 7 and later).
    pub protocol_name_value: Option<String>,
    /// What the ProviderId belongs to, when it is a well-known provider.
    pub well_known_provider: Option<&'static str>,
    /// Base provider, layered (hidden) entry or chain entry, from the decoded item.
    pub kind: Option<EntryKind>,
    /// The decoded `PackedCatalogItem`; `None` when missing or unreadable (see `error`).
    #[serde(flatten)]
    pub item: Option<PackedCatalogItem>,
    /// Type of the PackedCatalogItem value, when it is not REG_BINARY.
    pub packed_catalog_item_type: Option<String>,
    /// Why the entry could not be read or decoded.
    pub error: Option<String>,
    /// Values besides PackedCatalogItem and ProtocolName.
    pub other_values: Vec<RawValue>,
    /// Subkeys of the entry key (Windows writes none).
    pub subkeys: Vec<String>,
    /// The PackedCatalogItem bytes as stored.
    #[serde(skip)]
    pub packed_catalog_item_raw: Option<Vec<u8>>,
    /// When the entry key was last written (a FILETIME; RFC 3339 in JSON); `None` when unreadable.
    #[serde(serialize_with = "serialize_filetime")]
    pub last_written: Option<u64>,
    /// Every value of the key as stored, for repairs that move or compare entries.
    #[serde(skip)]
    pub values: Vec<RawValue>,
}

/// One subkey of a namespace entry list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceEntry {
    /// The entry's key name, e.g. `000000000001`.
    pub key: String,
    /// `display_string` made readable.
    pub display_name: Option<String>,
    /// What the ProviderId belongs to, when it is a well-known provider.
    pub well_known_provider: Option<&'static str>,
    /// The values of the entry, decoded.
    #[serde(flatten)]
    pub provider: NamespaceProvider,
    /// Why the entry could not be read or decoded.
    pub error: Option<String>,
    /// Subkeys of the entry key (Windows writes none).
    pub subkeys: Vec<String>,
    /// When the entry key was last written (a FILETIME; RFC 3339 in JSON); `None` when unreadable.
    #[serde(serialize_with = "serialize_filetime")]
    pub last_written: Option<u64>,
    /// Every value of the key as stored, for repairs that move or compare entries.
    #[serde(skip)]
    pub values: Vec<RawValue>,
}

/// Read the chosen control set (`requested`, else `Select\Current`...) and, when `all`, the
/// others too.
pub fn read_system_catalogs(
    reader: &HiveReader<'_>,
    requested: Option<u32>,
    all: bool,
) -> Result<SystemCatalogs, FormatError> {
    let root = reader.root()?;
    let select =
        read_select(reader, &root).map_err(|e| e.with_context("reading the Select key"))?;
    let present = list_control_sets(reader, &root)
        .map_err(|e| e.with_context("listing the subkeys of the root key"))?;
    let choice = choose(&select.clone().unwrap_or_default(), &present, requested)
        .map_err(|e| FormatError::new(e.to_string()))?;
    let selected = read_control_set(reader, &root, &choice)?;
    let mut others = Vec::new();
    if all {
        for &n in present.iter().filter(|&&n| n != choice.number) {
            let other = ControlSetChoice {
                name: control_set_name(n),
                number: n,
                chosen_by: ChosenBy::Requested,
            };
            let mut catalogs = read_control_set(reader, &root, &other)?;
            catalogs.chosen_by = None;
            others.push(catalogs);
        }
    }
    Ok(SystemCatalogs {
        select,
        control_sets_present: present.iter().map(|&n| control_set_name(n)).collect(),
        selected,
        others,
    })
}

/// Collects the errors of the parts of a control set that could not be read.
struct Errors {
    base: String,
    list: Vec<ReadError>,
}

impl Errors {
    /// The value of `result`, or the default after recording the error under `path`.
    fn keep<T: Default>(&mut self, path: &str, result: Result<T, FormatError>) -> T {
        result.unwrap_or_else(|e| {
            self.list.push(ReadError {
                key: format!(r"{}\{path}", self.base),
                error: e.to_string(),
            });
            T::default()
        })
    }
}

fn read_control_set(
    reader: &HiveReader<'_>,
    root: &Key<'_>,
    choice: &ControlSetChoice,
) -> Result<ControlSetCatalogs, FormatError> {
    let control_set = reader
        .subkey(root, &choice.name)?
        .ok_or_else(|| FormatError::new(format!("{} disappeared while reading", choice.name)))?;
    let mut errors = Errors {
        base: choice.name.clone(),
        list: Vec::new(),
    };
    let mut out = ControlSetCatalogs {
        control_set: choice.name.clone(),
        chosen_by: Some(choice.chosen_by),
        winsock2_parameters: None,
        protocol_catalog: None,
        protocol_catalogs: Vec::new(),
        namespace_catalog: None,
        namespace_catalogs: Vec::new(),
        winsock_parameters: None,
        transports: Vec::new(),
        afd: None,
        tcpip: None,
        read_errors: Vec::new(),
    };

    let Some(services) = errors.keep("Services", reader.subkey(&control_set, "Services")) else {
        out.read_errors = errors.list;
        return Ok(out);
    };

    let parameters_key = errors.keep(
        WINSOCK2_PARAMETERS,
        reader.open(&control_set, WINSOCK2_PARAMETERS),
    );
    if let Some(key) = &parameters_key {
        out.winsock2_parameters = errors.keep(
            WINSOCK2_PARAMETERS,
            read_winsock2_parameters(reader, key).map(Some),
        );
    }
    if let Some(key) = &parameters_key {
        let named = |current: Option<&String>, default: &str| {
            current
                .filter(|n| !n.is_empty() && !n.contains('\\'))
                .cloned()
                .unwrap_or_else(|| default.to_string())
        };
        let params = out.winsock2_parameters.as_ref();
        let protocol_name = named(
            params.and_then(|p| p.current_protocol_catalog.as_ref()),
            DEFAULT_PROTOCOL_CATALOG,
        );
        let namespace_name = named(
            params.and_then(|p| p.current_namespace_catalog.as_ref()),
            DEFAULT_NAMESPACE_CATALOG,
        );
        let protocol_path = format!(r"{WINSOCK2_PARAMETERS}\{protocol_name}");
        let protocol_catalog = Located {
            parameters: key,
            name: &protocol_name,
            path: &format!(r"{}\{protocol_path}", choice.name),
        };
        if let Some((root, lists)) = errors.keep(
            &protocol_path,
            read_catalog(reader, &protocol_catalog, read_protocol_entry),
        ) {
            out.protocol_catalog = Some(root);
            out.protocol_catalogs = lists;
        }
        let namespace_path = format!(r"{WINSOCK2_PARAMETERS}\{namespace_name}");
        let namespace_catalog = Located {
            parameters: key,
            name: &namespace_name,
            path: &format!(r"{}\{namespace_path}", choice.name),
        };
        if let Some((root, mut lists)) = errors.keep(
            &namespace_path,
            read_catalog(reader, &namespace_catalog, read_namespace_entry),
        ) {
            // Namespace providers have no catalog IDs.
            for list in &mut lists {
                list.next_catalog_entry_id = None;
            }
            out.namespace_catalog = Some(root);
            out.namespace_catalogs = lists;
        }
    }

    out.winsock_parameters = errors.keep(
        r"Services\Winsock\Parameters",
        read_winsock_parameters(reader, &services),
    );
    let names = out
        .winsock_parameters
        .as_ref()
        .and_then(|p| p.transports.clone())
        .unwrap_or_default();
    for name in names {
        let path = format!(r"Services\{name}\Parameters\Winsock");
        if let Some(t) = errors.keep(&path, read_transport(reader, &services, &name).map(Some)) {
            out.transports.push(t);
        }
    }
    out.afd = errors.keep(r"Services\AFD", read_service(reader, &services, "AFD"));
    out.tcpip = errors.keep(r"Services\Tcpip", read_service(reader, &services, "Tcpip"));
    out.read_errors = errors.list;
    Ok(out)
}

fn read_winsock2_parameters(
    reader: &HiveReader<'_>,
    key: &Key<'_>,
) -> Result<Winsock2Parameters, FormatError> {
    let values = reader.values(key)?;
    let string = |n| find(&values, n).and_then(RawValue::as_string);
    Ok(Winsock2Parameters {
        current_protocol_catalog: string("Current_Protocol_Catalog"),
        current_namespace_catalog: string("Current_NameSpace_Catalog"),
        winsock_registry_version: string("WinSock_Registry_Version"),
        autodial_dll: string("AutodialDLL"),
        namespace_callout: string("NameSpace_Callout"),
        subkeys: reader.subkey_names(key)?,
        values,
    })
}

/// A catalog root and its two entry lists; an entry that cannot be read keeps its error.
type Catalog<E> = (CatalogRoot, Vec<CatalogList<E>>);

/// A catalog key to read: its parent `WinSock2\Parameters`, its name, and its path from the root.
struct Located<'a, 'h> {
    parameters: &'a Key<'h>,
    name: &'a str,
    path: &'a str,
}

/// An entry reader: the key's name, the key, and its last-write time.
type ReadEntry<'h, E> = fn(&HiveReader<'h>, String, &Key<'h>, Option<u64>) -> E;

fn read_catalog<'h, E>(
    reader: &HiveReader<'h>,
    catalog: &Located<'_, 'h>,
    read_entry: ReadEntry<'h, E>,
) -> Result<Option<Catalog<E>>, FormatError> {
    let Some(key) = reader.subkey(catalog.parameters, catalog.name)? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    let subkeys = reader.subkeys(&key)?;
    let dword = |n| find(&values, n).and_then(RawValue::as_dword);
    let root = CatalogRoot {
        key: reader.name(&key)?,
        num_catalog_entries: dword("Num_Catalog_Entries"),
        num_catalog_entries64: dword("Num_Catalog_Entries64"),
        next_catalog_entry_id: dword("Next_Catalog_Entry_ID"),
        serial_access_num: dword("Serial_Access_Num"),
        next_provider_id: dword("Next_Provider_ID"),
        subkeys: subkeys.iter().map(|(n, _)| n.clone()).collect(),
        values,
    };
    let mut lists = Vec::new();
    for (list_name, count) in [
        (CATALOG_ENTRIES, root.num_catalog_entries),
        (CATALOG_ENTRIES64, root.num_catalog_entries64),
    ] {
        let list_key = subkeys
            .iter()
            .find(|(n, _)| names_equal(n, list_name))
            .map(|(_, k)| k);
        if list_key.is_none() && count.is_none() {
            continue;
        }
        let entries = match list_key {
            Some(k) => {
                let times = entry_times(reader, &format!(r"{}\{list_name}", catalog.path));
                reader
                    .subkeys(k)?
                    .into_iter()
                    .map(|(entry_name, entry_key)| {
                        let time = times.get(&entry_name).copied();
                        read_entry(reader, entry_name, &entry_key, time)
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        lists.push(CatalogList {
            name: list_name.to_string(),
            present: list_key.is_some(),
            num_entries: count,
            next_catalog_entry_id: root.next_catalog_entry_id,
            entries,
        });
    }
    Ok(Some((root, lists)))
}

/// The last-write times of the entry keys of the list at `path`, by name (the first of equal
/// names wins). Times are an extra: a list whose raw records cannot be read just has none.
fn entry_times(reader: &HiveReader<'_>, path: &str) -> HashMap<String, u64> {
    let mut by_name = HashMap::new();
    let times = reader.key_times().and_then(|t| t.subkey_times(path));
    for (name, time) in times.ok().flatten().unwrap_or_default() {
        by_name.entry(name).or_insert(time);
    }
    by_name
}

fn read_protocol_entry(
    reader: &HiveReader<'_>,
    key_name: String,
    key: &Key<'_>,
    last_written: Option<u64>,
) -> ProtocolEntry {
    let mut entry = ProtocolEntry {
        key: key_name,
        protocol_name: None,
        display_name: None,
        protocol_name_value: None,
        well_known_provider: None,
        kind: None,
        item: None,
        packed_catalog_item_type: None,
        error: None,
        other_values: Vec::new(),
        subkeys: Vec::new(),
        packed_catalog_item_raw: None,
        last_written,
        values: Vec::new(),
    };
    let read = reader
        .values(key)
        .and_then(|values| Ok((values, reader.subkey_names(key)?)));
    let (values, subkeys) = match read {
        Ok(read) => read,
        Err(e) => {
            entry.error = Some(e.to_string());
            return entry;
        }
    };
    entry.subkeys = subkeys;
    entry.protocol_name_value = find(&values, PROTOCOL_NAME).and_then(RawValue::as_string);
    match find(&values, PACKED_CATALOG_ITEM) {
        None => entry.error = Some(format!("no {PACKED_CATALOG_ITEM} value")),
        Some(raw) => {
            if raw.data_type != REG_BINARY {
                entry.packed_catalog_item_type = Some(raw.type_name());
            }
            match PackedCatalogItem::decode(&raw.data) {
                Ok(item) => {
                    entry.kind = Some(item.kind());
                    entry.well_known_provider = provider_name(&item.provider_id);
                    entry.item = Some(item);
                }
                Err(e) => entry.error = Some(e.to_string()),
            }
            entry.packed_catalog_item_raw = Some(raw.data.clone());
        }
    }
    entry.protocol_name = entry
        .protocol_name_value
        .clone()
        .or_else(|| entry.item.as_ref().map(|i| i.sz_protocol.clone()));
    entry.display_name = entry.protocol_name.as_deref().and_then(display_name);
    entry.other_values = values
        .iter()
        .filter(|v| {
            let decoded = v.is_named(PACKED_CATALOG_ITEM)
                || (v.is_named(PROTOCOL_NAME) && entry.protocol_name_value.is_some());
            !decoded
        })
        .cloned()
        .collect();
    entry.values = values;
    entry
}

fn read_namespace_entry(
    reader: &HiveReader<'_>,
    key_name: String,
    key: &Key<'_>,
    last_written: Option<u64>,
) -> NamespaceEntry {
    let read = reader
        .values(key)
        .and_then(|values| Ok((values, reader.subkey_names(key)?)));
    match read {
        Ok((values, subkeys)) => {
            let provider = NamespaceProvider::from_values(&values);
            NamespaceEntry {
                key: key_name,
                display_name: provider.display_string.as_deref().and_then(display_name),
                well_known_provider: provider.provider_id.as_ref().and_then(provider_name),
                provider,
                error: None,
                subkeys,
                last_written,
                values,
            }
        }
        Err(e) => NamespaceEntry {
            key: key_name,
            display_name: None,
            well_known_provider: None,
            provider: NamespaceProvider::default(),
            error: Some(e.to_string()),
            subkeys: Vec::new(),
            last_written,
            values: Vec::new(),
        },
    }
}
