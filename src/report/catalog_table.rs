//! `winsock-doctor catalog` for people: what `netsh winsock show catalog` shows, but complete
//! (both catalogs, every key, chains, flags, namespace providers, transports).

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets};

use crate::hive::image::InputFile;
use crate::hive::value::RawValue;
use crate::report::catalog_json::HiveSummary;
use crate::report::width::{fit, fit_lines, output_width};
use crate::winsock::catalog::{
    CatalogList, CatalogRoot, ControlSetCatalogs, DEFAULT_NAMESPACE_CATALOG,
    DEFAULT_PROTOCOL_CATALOG, NamespaceEntry, ProtocolEntry, SystemCatalogs, WINSOCK2_PARAMETERS,
};
use crate::winsock::control_set::ChosenBy;
use crate::winsock::packed_item::EntryKind;
use crate::winsock::services::{ServiceKey, TransportHelper};

/// The whole report as text.
pub fn render(input: &InputFile, hive: &HiveSummary, catalogs: &SystemCatalogs) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Hive:        {}", input.path.display());
    let _ = writeln!(out, "Size:        {} bytes", input.size);
    let _ = writeln!(out, "SHA-256:     {}", input.sha256);
    let _ = writeln!(
        out,
        "Format:      regf {}, sequence {}/{}{}, checksum {}{}",
        hive.version,
        hive.primary_sequence,
        hive.secondary_sequence,
        if hive.dirty { " (DIRTY)" } else { "" },
        if hive.checksum_ok { "ok" } else { "WRONG" },
        match hive.recovered_sequence {
            Some(sequence) => format!(", logs replayed to sequence {sequence}"),
            None => String::new(),
        }
    );
    if let Some(select) = &catalogs.select {
        let show = |n: Option<u32>| n.map_or("-".to_string(), |n| n.to_string());
        let _ = writeln!(
            out,
            "Select:      Current {}, Default {}, LastKnownGood {}, Failed {}",
            show(select.current),
            show(select.default),
            show(select.last_known_good),
            show(select.failed)
        );
    } else {
        let _ = writeln!(out, "Select:      (no Select key)");
    }
    let _ = writeln!(
        out,
        "Present:     {}",
        catalogs.control_sets_present.join(", ")
    );
    render_control_set(&mut out, &catalogs.selected);
    for other in &catalogs.others {
        render_control_set(&mut out, other);
    }
    fit_lines(&out, output_width())
}

pub(crate) fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::ASCII_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map_or("-".to_string(), T::to_string)
}

/// "UNREADABLE" when reading `path` (below the control set) or a key above it failed, else
/// "MISSING".
fn absent(cs: &ControlSetCatalogs, path: &str) -> &'static str {
    let full = format!(r"{}\{path}", cs.control_set);
    let failed = cs
        .read_errors
        .iter()
        .any(|e| full == e.key || full.starts_with(&format!(r"{}\", e.key)));
    if failed {
        "UNREADABLE (see below)"
    } else {
        "MISSING"
    }
}

fn render_control_set(out: &mut String, cs: &ControlSetCatalogs) {
    let how = match cs.chosen_by {
        Some(ChosenBy::Requested) => " (as requested)",
        Some(ChosenBy::SelectCurrent) => r" (Select\Current)",
        Some(ChosenBy::SelectDefault) => r" (Select\Default; Select\Current points nowhere)",
        Some(ChosenBy::LowestPresent) => " (lowest present; Select points nowhere)",
        None => "",
    };
    let _ = writeln!(out, "\n=== {}{how} ===", cs.control_set);

    match &cs.winsock2_parameters {
        None => {
            let state = absent(cs, WINSOCK2_PARAMETERS);
            let _ = writeln!(out, "\n{WINSOCK2_PARAMETERS}: {state}");
        }
        Some(p) => {
            let _ = writeln!(out, "\nServices\\WinSock2\\Parameters");
            let _ = writeln!(out, "{}", fit(&values_table(&p.values), output_width()));
        }
    }

    let params = cs.winsock2_parameters.as_ref();
    let catalog_state = |current: Option<&String>, default: &str| {
        let name = current.map_or(default, String::as_str);
        absent(cs, &format!(r"{WINSOCK2_PARAMETERS}\{name}"))
    };
    let state = catalog_state(
        params.and_then(|p| p.current_protocol_catalog.as_ref()),
        DEFAULT_PROTOCOL_CATALOG,
    );
    render_root(out, "Protocol catalog", &cs.protocol_catalog, state);
    for list in &cs.protocol_catalogs {
        list_heading(out, list);
        let _ = writeln!(
            out,
            "{}",
            fit(&protocol_table(&list.entries), output_width())
        );
    }
    let state = catalog_state(
        params.and_then(|p| p.current_namespace_catalog.as_ref()),
        DEFAULT_NAMESPACE_CATALOG,
    );
    render_root(out, "Namespace catalog", &cs.namespace_catalog, state);
    for list in &cs.namespace_catalogs {
        list_heading(out, list);
        let _ = writeln!(
            out,
            "{}",
            fit(&namespace_table(&list.entries), output_width())
        );
    }

    match &cs.winsock_parameters {
        None => {
            let state = absent(cs, r"Services\Winsock\Parameters");
            let _ = writeln!(out, "\nServices\\Winsock\\Parameters: {state}");
        }
        Some(p) => {
            let _ = writeln!(
                out,
                "\nTransports: {}",
                p.transports
                    .as_ref()
                    .map_or("(no Transports value)".to_string(), |t| t.join(", "))
            );
            let _ = writeln!(
                out,
                "{}",
                fit(&transport_table(&cs.transports), output_width())
            );
        }
    }
    let _ = writeln!(out, "\nServices");
    let services = [
        ("AFD", &cs.afd, absent(cs, r"Services\AFD")),
        ("Tcpip", &cs.tcpip, absent(cs, r"Services\Tcpip")),
    ];
    let _ = writeln!(out, "{}", fit(&services_table(&services), output_width()));

    if !cs.read_errors.is_empty() {
        let _ = writeln!(out, "\nUnreadable keys");
        for e in &cs.read_errors {
            let _ = writeln!(out, "  {}: {}", e.key, e.error);
        }
    }
}

fn render_root(out: &mut String, what: &str, root: &Option<CatalogRoot>, state: &str) {
    match root {
        None => {
            let _ = writeln!(out, "\n{what}: {state}");
        }
        Some(r) => {
            let _ = writeln!(out, "\n{what} {}", r.key);
            let _ = writeln!(out, "{}", fit(&values_table(&r.values), output_width()));
            let _ = writeln!(out, "Subkeys: {}", r.subkeys.join(", "));
        }
    }
}

fn list_heading<E>(out: &mut String, list: &CatalogList<E>) {
    let _ = writeln!(
        out,
        "\n{}: {} keys, count value {}{}",
        list.name,
        list.entries.len(),
        opt(&list.num_entries),
        if list.present { "" } else { " (KEY MISSING)" }
    );
}

fn values_table(values: &[RawValue]) -> Table {
    let mut table = new_table(&["Value", "Type", "Data"]);
    for v in values {
        let data = if let Some(s) = v.as_string() {
            s
        } else if let Some(n) = v.as_dword() {
            format!("{n} ({n:#x})")
        } else if let Some(list) = v.as_multi_string() {
            list.join(", ")
        } else {
            format!("{} bytes", v.data.len())
        };
        table.add_row(vec![v.name.clone(), v.type_name(), data]);
    }
    table
}

fn protocol_table(entries: &[ProtocolEntry]) -> Table {
    let mut table = new_table(&[
        "Key",
        "ID",
        "Name",
        "Library path",
        "AF/Type/Proto",
        "Chain",
        "Flags (svc1/pfl)",
    ]);
    for e in entries {
        let mut name = e.display_name.clone().unwrap_or_default();
        if let Some(stored) = &e.protocol_name {
            if e.display_name.as_deref() != Some(stored.as_str()) {
                name = format!("{name}\n{stored}").trim().to_string();
            }
        }
        let row = match &e.item {
            Some(item) => {
                let chain = match item.chain.as_slice() {
                    [] => format!("{} ({})", item.chain_len, kind_word(item.kind())),
                    ids => format!(
                        "{} ({}): {}",
                        item.chain_len,
                        kind_word(item.kind()),
                        ids.iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(" > ")
                    ),
                };
                vec![
                    e.key.clone(),
                    item.catalog_entry_id.to_string(),
                    name,
                    item.library_path.clone(),
                    format!(
                        "{}/{}/{}",
                        item.address_family, item.socket_type, item.protocol
                    ),
                    chain,
                    format!("{:#x}/{:#x}", item.service_flags1, item.provider_flags),
                ]
            }
            None => vec![
                e.key.clone(),
                "-".into(),
                name,
                format!("UNREADABLE: {}", opt(&e.error)),
                String::new(),
                String::new(),
                String::new(),
            ],
        };
        table.add_row(row);
    }
    table
}

fn kind_word(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Layered => "layered",
        EntryKind::Base => "base",
        EntryKind::Chain => "chain",
        EntryKind::Invalid => "invalid",
    }
}

fn namespace_table(entries: &[NamespaceEntry]) -> Table {
    let mut table = new_table(&[
        "Key",
        "Name",
        "Library path",
        "Namespace",
        "Enabled",
        "Provider ID",
    ]);
    for e in entries {
        let p = &e.provider;
        let mut name = e.display_name.clone().unwrap_or_default();
        if let Some(stored) = &p.display_string {
            if e.display_name.as_deref() != Some(stored.as_str()) {
                name = format!("{name}\n{stored}").trim().to_string();
            }
        }
        let path = match &e.error {
            Some(err) => format!("UNREADABLE: {err}"),
            None => opt(&p.library_path),
        };
        table.add_row(vec![
            e.key.clone(),
            name,
            path,
            opt(&p.name_space),
            opt(&p.enabled),
            opt(&p.provider_id),
        ]);
    }
    table
}

fn transport_table(transports: &[TransportHelper]) -> Table {
    let mut table = new_table(&[
        "Transport",
        "Helper DLL",
        "Mapping (af,type,proto)",
        "Sockaddr min-max",
        "Provider GUID",
    ]);
    for t in transports {
        if !t.present {
            table.add_row(vec![
                t.name.clone(),
                "MISSING Parameters\\Winsock".into(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            continue;
        }
        let mapping = match (&t.mapping, &t.mapping_error) {
            (Some(m), _) => m
                .triples
                .iter()
                .map(|r| format!("({},{},{})", r.address_family, r.socket_type, r.protocol))
                .collect::<Vec<_>>()
                .join(" "),
            (None, Some(err)) => format!("BAD: {err}"),
            (None, None) => "-".into(),
        };
        table.add_row(vec![
            t.name.clone(),
            opt(&t.helper_dll_name),
            mapping,
            format!(
                "{}-{}",
                opt(&t.min_sockaddr_length),
                opt(&t.max_sockaddr_length)
            ),
            opt(&t.provider_guid),
        ]);
    }
    table
}

fn services_table(services: &[(&str, &Option<ServiceKey>, &str)]) -> Table {
    let mut table = new_table(&["Service", "Start", "Type", "ImagePath"]);
    for (name, service, state) in services {
        match service {
            None => table.add_row(vec![name.to_string(), state.to_string()]),
            Some(s) => table.add_row(vec![
                s.name.clone(),
                opt(&s.start),
                opt(&s.service_type),
                opt(&s.image_path),
            ]),
        };
    }
    table
}
