//! When each Winsock key was last written: the catalog keys, every protocol and namespace entry,
//! and the service keys around them, so an analyst sees when an LSP or a namespace provider was
//! installed. Missing keys are left out; keys whose records cannot be read are listed apart.

use crate::hive::key_times::KeyTimes;
use crate::winsock::catalog::{
    CatalogList, CatalogRoot, ControlSetCatalogs, NamespaceEntry, ProtocolEntry, ReadError,
    WINSOCK2_PARAMETERS,
};
use crate::winsock::diagnose::EntryKey;
use crate::winsock::winsock_keys::transport_keys;

/// One key and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimelineEntry {
    /// FILETIME.
    pub last_written: u64,
    /// Path from the hive root, e.g. `ControlSet001\Services\WinSock2`.
    pub key: String,
    /// What the key is, e.g. `protocol entry`.
    pub what: &'static str,
    /// For entries: name, DLL and catalog ID or provider; else empty.
    pub summary: String,
}

#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Oldest first.
    pub entries: Vec<TimelineEntry>,
    pub errors: Vec<ReadError>,
}

/// The timeline of the control set read into `catalogs`.
pub fn timeline(times: &KeyTimes<'_>, catalogs: &ControlSetCatalogs) -> Timeline {
    let cs = &catalogs.control_set;
    let services = format!(r"{cs}\Services");
    let parameters = format!(r"{cs}\{WINSOCK2_PARAMETERS}");
    let mut keys: Vec<(String, &'static str, String)> = vec![
        (
            format!(r"{services}\WinSock2"),
            "WinSock2 service",
            String::new(),
        ),
        (parameters.clone(), "WinSock2 parameters", String::new()),
    ];
    if let Some(root) = &catalogs.protocol_catalog {
        add_catalog(
            &mut keys,
            &parameters,
            root,
            &catalogs.protocol_catalogs,
            ("protocol catalog", "protocol entry list", "protocol entry"),
            protocol_summary,
        );
    }
    if let Some(root) = &catalogs.namespace_catalog {
        add_catalog(
            &mut keys,
            &parameters,
            root,
            &catalogs.namespace_catalogs,
            (
                "namespace catalog",
                "namespace entry list",
                "namespace entry",
            ),
            namespace_summary,
        );
    }
    keys.push((
        format!(r"{services}\Winsock"),
        "Winsock service",
        String::new(),
    ));
    keys.push((
        format!(r"{services}\Winsock\Parameters"),
        "Winsock parameters",
        String::new(),
    ));
    for (path, transport) in transport_keys(catalogs) {
        keys.push((
            path,
            "transport Winsock parameters",
            transport.helper_dll_name.clone().unwrap_or_default(),
        ));
    }
    keys.push((format!(r"{services}\AFD"), "AFD service", String::new()));
    keys.push((format!(r"{services}\Tcpip"), "Tcpip service", String::new()));

    let mut out = Timeline::default();
    for (key, what, summary) in keys {
        match times.last_written(&key) {
            Ok(Some(last_written)) => out.entries.push(TimelineEntry {
                last_written,
                key,
                what,
                summary,
            }),
            Ok(None) => {}
            Err(e) => out.errors.push(ReadError {
                key,
                error: e.to_string(),
            }),
        }
    }
    out.entries
        .sort_by(|a, b| (a.last_written, &a.key).cmp(&(b.last_written, &b.key)));
    out
}

/// The catalog root, its lists and their entries, with the words that say what each is.
fn add_catalog<E: EntryKey>(
    keys: &mut Vec<(String, &'static str, String)>,
    parameters: &str,
    root: &CatalogRoot,
    lists: &[CatalogList<E>],
    (root_what, list_what, entry_what): (&'static str, &'static str, &'static str),
    summary: fn(&E) -> String,
) {
    let root_path = format!(r"{parameters}\{}", root.key);
    keys.push((root_path.clone(), root_what, String::new()));
    for list in lists.iter().filter(|l| l.present) {
        let list_path = format!(r"{root_path}\{}", list.name);
        keys.push((list_path.clone(), list_what, String::new()));
        for entry in &list.entries {
            keys.push((
                format!(r"{list_path}\{}", entry.key_name()),
                entry_what,
                summary(entry),
            ));
        }
    }
}

fn join_present(parts: &[Option<String>]) -> String {
    parts
        .iter()
        .flatten()
        .cloned()
        .collect::<Vec<_>>()
        .join("; ")
}

fn protocol_summary(entry: &ProtocolEntry) -> String {
    let item = entry.item.as_ref();
    join_present(&[
        entry.display_name.clone().or(entry.protocol_name.clone()),
        item.map(|i| i.library_path.clone()),
        item.map(|i| format!("catalog id {}", i.catalog_entry_id)),
        entry.error.clone(),
    ])
}

fn namespace_summary(entry: &NamespaceEntry) -> String {
    let provider = &entry.provider;
    join_present(&[
        entry
            .display_name
            .clone()
            .or(provider.display_string.clone()),
        provider.library_path.clone(),
        provider
            .provider_id
            .as_ref()
            .map(|g| format!("provider {g}")),
        entry.error.clone(),
    ])
}
