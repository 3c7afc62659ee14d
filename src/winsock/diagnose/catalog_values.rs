//! The values ws2_32 reads before it reads a single entry, judged the way its loader reads them
//! (ReactOS `dcatalog.c` `WsTcOpen` / `WsTcRefreshFromRegistry`, `nscatalo.c`, `wsautil.c`
//! `WsSetupCatalogProtection`): the catalog names in `WinSock2\Parameters`, and the counts, the
//! next ID and the serial number of each catalog root. The loader asks for 4 bytes and does not
//! look at the type: a longer value fails the query, a shorter one is read in part.

use serde_json::json;

use crate::hive::value::{REG_SZ, RawValue, find};
use crate::winsock::catalog::{CatalogRoot, WINSOCK2_PARAMETERS, Winsock2Parameters};
use crate::winsock::findings::{Code, Finding, RepairStep, Severity};

/// A DWORD as the loader reads it.
enum Dword<'v> {
    Missing,
    /// Exactly 4 bytes of REG_DWORD.
    Sound(u32),
    /// 4 bytes of another type: read as the number all the same.
    OtherType(&'v RawValue, u32),
    /// Not 4 bytes.
    WrongSize(&'v RawValue),
}

fn dword<'v>(values: &'v [RawValue], name: &str) -> Dword<'v> {
    let Some(raw) = find(values, name) else {
        return Dword::Missing;
    };
    match (raw.as_dword(), <[u8; 4]>::try_from(raw.data.as_slice())) {
        (Some(n), _) => Dword::Sound(n),
        (None, Ok(bytes)) => Dword::OtherType(raw, u32::from_le_bytes(bytes)),
        (None, Err(_)) => Dword::WrongSize(raw),
    }
}

fn evidence(raw: &RawValue) -> serde_json::Value {
    json!({
        "type": raw.type_name(),
        "length": raw.data.len(),
        "expected_length": 4,
        "data_hex": crate::hive::value::hex(raw.data.get(..raw.data.len().min(16)).unwrap_or_default()),
    })
}

fn invalid(path: &str, name: &str, severity: Severity, message: String) -> Finding {
    Finding::new(Code::CatalogValueInvalid, severity, path, message).value(name)
}

/// `Current_Protocol_Catalog` and `Current_NameSpace_Catalog`.
pub fn catalog_names(params: &Winsock2Parameters, out: &mut Vec<Finding>) {
    for (name, strict) in [
        ("Current_Protocol_Catalog", true),
        ("Current_NameSpace_Catalog", false),
    ] {
        let Some(raw) = find(&params.values, name) else {
            out.push(
                Finding::new(
                    Code::CatalogKeyMissing,
                    Severity::Critical,
                    WINSOCK2_PARAMETERS,
                    format!(
                        "{name} is missing: ws2_32 cannot tell which catalog key to load and \
                         fails (10107) or starts from an empty catalog."
                    ),
                )
                .value(name)
                .loader(
                    "WsTcOpen/WsNcOpen read the name first: with the type check they return \
                     FALSE (WSASYSCALLFAILURE); without it the name is uninitialised. No \
                     fallback to Protocol_Catalog9 / NameSpace_Catalog5.",
                ),
            );
            continue;
        };
        let readable = raw.as_string().is_some();
        if readable && (!strict || raw.data_type == REG_SZ) {
            continue;
        }
        out.push(
            invalid(
                WINSOCK2_PARAMETERS,
                name,
                Severity::Critical,
                format!(
                    "{name} is {}, not REG_SZ: ws2_32 refuses to open the catalog it names \
                     (WSASYSCALLFAILURE, error 10107).",
                    raw.type_name()
                ),
            )
            .evidence(evidence(raw))
            .loader("WsTcOpen returns FALSE when the value is not REG_SZ."),
        );
    }
}

/// The counts, `Next_Catalog_Entry_ID` (protocol catalog) and `Serial_Access_Num` of a root.
pub fn root_values(
    path: &str,
    root: &CatalogRoot,
    protocol: bool,
    x64: bool,
    out: &mut Vec<Finding>,
) {
    let fails = "ws2_32 refuses the whole catalog (WSASYSCALLFAILURE, error 10107).";
    let mut required = vec![("Num_Catalog_Entries", fails)];
    if protocol {
        required.push(("Next_Catalog_Entry_ID", fails));
    }
    if x64 {
        required.push((
            "Num_Catalog_Entries64",
            "64-bit programs on this x64 system find no catalog.",
        ));
    }
    let mut found = Vec::new();
    for (name, why) in required {
        match dword(&root.values, name) {
            Dword::Sound(_) => {}
            Dword::Missing => found.push(
                Finding::new(
                    Code::CatalogKeyMissing,
                    Severity::Critical,
                    path,
                    format!("{name} is missing from {path}: {why}"),
                )
                .value(name),
            ),
            Dword::WrongSize(raw) => found.push(
                invalid(
                    path,
                    name,
                    Severity::Critical,
                    format!(
                        "{name} in {path} has the wrong size ({} bytes of {}, not a 4-byte \
                         DWORD): {why}",
                        raw.data.len(),
                        raw.type_name()
                    ),
                )
                .evidence(evidence(raw))
                .loader(
                    "RegQueryValueEx into a DWORD fails (ERROR_MORE_DATA) when the value is \
                     longer, reads a part when it is shorter.",
                ),
            ),
            Dword::OtherType(raw, n) => found.push(
                invalid(
                    path,
                    name,
                    Severity::Warning,
                    format!(
                        "{name} in {path} is {} instead of REG_DWORD: Windows reads its 4 bytes \
                         as {n}, but tools that check the type do not.",
                        raw.type_name()
                    ),
                )
                .evidence(evidence(raw))
                .loader("read as a number whatever its type: the catalog loads."),
            ),
        }
    }
    serial(path, root, protocol, &mut found);
    if !protocol {
        for finding in &mut found {
            finding.repair = RepairStep::ResetNamespace.repair();
        }
    }
    out.extend(found);
}

/// `Serial_Access_Num`: 0 is the number a catalog object starts with, so the loader believes
/// it has read the catalog already and returns an empty one.
fn serial(path: &str, root: &CatalogRoot, protocol: bool, out: &mut Vec<Finding>) {
    const NAME: &str = "Serial_Access_Num";
    let what = if protocol {
        "no program can open a socket (no protocol provider)"
    } else {
        "no name resolves through Winsock (no namespace provider)"
    };
    match dword(&root.values, NAME) {
        Dword::Sound(0) | Dword::OtherType(_, 0) => {
            let mut finding = Finding::new(
                Code::CatalogEmptyBySerial,
                Severity::Critical,
                path,
                format!(
                    "{NAME} is 0 in {path}: ws2_32 takes the catalog for already loaded and \
                     returns it empty without reading an entry; {what}."
                ),
            )
            .value(NAME)
            .evidence(json!({ "serial_access_num": 0 }))
            .loader(
                "WsSetupCatalogProtection reads 0, equal to the UniqueId of a new catalog \
                 object: WsTcRefreshFromRegistry/WsNcRefreshFromRegistry return success at once.",
            );
            if !protocol {
                finding.repair = RepairStep::ResetNamespace.repair();
            }
            out.push(finding);
        }
        Dword::WrongSize(raw) => out.push(
            invalid(
                path,
                NAME,
                Severity::Warning,
                format!(
                    "{NAME} in {path} has the wrong size ({} bytes of {}, not a 4-byte DWORD): \
                     Windows overwrites it with 1 the next time it opens the catalog.",
                    raw.data.len(),
                    raw.type_name()
                ),
            )
            .evidence(evidence(raw))
            .loader("WsTcOpen/WsNcOpen cannot read it and write Serial_Access_Num = 1."),
        ),
        Dword::Missing | Dword::Sound(_) | Dword::OtherType(..) => {}
    }
}
