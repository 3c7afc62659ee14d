//! What Winsock stands on outside its catalogs (format doc §1.1, §1.7-1.9, §6 items 17-18):
//! `Services\Winsock` and its Transports, each transport's WSH helper key, the AFD and Tcpip
//! drivers, and the two hook DLL values of `WinSock2\Parameters`.

use serde_json::json;

use super::covered_by_read_error;

use crate::winsock::catalog::{ControlSetCatalogs, WINSOCK2_PARAMETERS};
use crate::winsock::dll_path::{DllLocation, DllPath};
use crate::winsock::family::Family;
use crate::winsock::findings::{Code, Finding, RepairStep, Severity};
use crate::winsock::known_malicious::known_malicious;
use crate::winsock::services::ServiceKey;
use crate::winsock::windows_version::WindowsVersion;

const WINSOCK_PARAMETERS: &str = r"Services\Winsock\Parameters";
/// Service start types.
const BOOT_OR_SYSTEM: u32 = 1;
const DISABLED: u32 = 4;

pub fn check(cs: &ControlSetCatalogs, windows: &WindowsVersion, out: &mut Vec<Finding>) {
    transports(cs, out);
    // A service missing only because its key or `Services` could not be read is reported as
    // key_unreadable already.
    if !covered_by_read_error(cs, r"Services\AFD") {
        afd(cs.afd.as_ref(), windows, out);
    }
    if !covered_by_read_error(cs, r"Services\Tcpip") {
        tcpip(cs.tcpip.as_ref(), out);
    }
    hooks(cs, out);
}

fn transports(cs: &ControlSetCatalogs, out: &mut Vec<Finding>) {
    let Some(params) = &cs.winsock_parameters else {
        if !covered_by_read_error(cs, WINSOCK_PARAMETERS) {
            out.push(Finding::new(
                Code::WinsockKeyMissing,
                Severity::Critical,
                WINSOCK_PARAMETERS,
                "Services\\Winsock\\Parameters is missing: Winsock cannot find the helper DLL of \
                 any transport, so sockets cannot be created (KB 811259 says to recreate it).",
            ));
        }
        return;
    };
    let listed = params.transports.clone().unwrap_or_default();
    if listed.is_empty() {
        out.push(
            Finding::new(
                Code::TransportInvalid,
                Severity::Critical,
                WINSOCK_PARAMETERS,
                "Transports is missing or empty: no transport has a Winsock helper, so sockets \
                 cannot be created.",
            )
            .value("Transports"),
        );
        return;
    }
    if !listed.iter().any(|t| t.eq_ignore_ascii_case("Tcpip")) {
        out.push(
            Finding::new(
                Code::TransportInvalid,
                Severity::Critical,
                WINSOCK_PARAMETERS,
                format!(
                    "Transports ({}) does not list Tcpip: IPv4 sockets find no helper DLL.",
                    listed.join(", ")
                ),
            )
            .value("Transports")
            .evidence(json!({ "transports": listed })),
        );
    }
    for transport in &cs.transports {
        let key = format!(r"Services\{}\Parameters\Winsock", transport.name);
        let problem = if !transport.present {
            Some(format!("{key} is missing"))
        } else if transport.helper_dll_name.is_none() {
            Some(format!("{key} has no HelperDllName"))
        } else {
            transport
                .mapping_error
                .as_ref()
                .map(|e| format!("{key}\\Mapping is malformed: {e}"))
        };
        let Some(problem) = problem else { continue };
        let essential = ["Tcpip", "Tcpip6"]
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&transport.name));
        out.push(
            Finding::new(
                Code::TransportInvalid,
                if essential {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                &key,
                format!(
                    "Transport {} is listed in Transports but {problem}: sockets of its \
                     protocols cannot be created.",
                    transport.name
                ),
            )
            .evidence(json!({
                "transport": transport.name,
                "present": transport.present,
                "helper_dll_name": transport.helper_dll_name,
            })),
        );
    }
}

fn service_evidence(service: &ServiceKey) -> serde_json::Value {
    json!({ "start": service.start, "type": service.service_type, "image_path": service.image_path })
}

fn afd(service: Option<&ServiceKey>, windows: &WindowsVersion, out: &mut Vec<Finding>) {
    let key = r"Services\AFD";
    let Some(service) = service else {
        out.push(Finding::new(
            Code::AfdDisabled,
            Severity::Critical,
            key,
            "The AFD driver service (afd.sys, the kernel side of every socket) is missing: no \
             program can open a socket.",
        ));
        return;
    };
    let (severity, problem) = match service.start {
        None => (Severity::Critical, "has no Start value".to_string()),
        Some(DISABLED) => (Severity::Critical, "is disabled (Start 4)".to_string()),
        // NT 4.0 starts AFD automatically (2); later versions at system start (1).
        Some(n) if n > BOOT_OR_SYSTEM && windows.family != Family::Nt4 => (
            Severity::Warning,
            format!("starts late (Start {n}; Windows sets 1, system start)"),
        ),
        Some(_) => return,
    };
    out.push(
        Finding::new(
            Code::AfdDisabled,
            severity,
            key,
            format!("The AFD driver (afd.sys, the kernel side of every socket) {problem}."),
        )
        .value("Start")
        .evidence(service_evidence(service)),
    );
}

fn tcpip(service: Option<&ServiceKey>, out: &mut Vec<Finding>) {
    let key = r"Services\Tcpip";
    let problem = match service {
        None => "is missing".to_string(),
        Some(s) if s.start == Some(DISABLED) => "is disabled (Start 4)".to_string(),
        Some(s) if s.start.is_none() => "has no Start value".to_string(),
        Some(_) => return,
    };
    let mut finding = Finding::new(
        Code::TcpipDisabled,
        Severity::Critical,
        key,
        format!(
            "The TCP/IP driver service {problem}: Device Manager shows the TCP/IP Protocol \
             Driver with code 24 and the machine gets no IP address."
        ),
    );
    if let Some(s) = service {
        finding = finding.value("Start").evidence(service_evidence(s));
    }
    out.push(finding);
}

/// A `WinSock2\Parameters` value naming a DLL that ws2_32 loads into every program, whose data
/// is not the system's own DLL.
pub(crate) struct ForeignHook<'a> {
    pub value: &'static str,
    pub expected: &'static str,
    pub path: &'a str,
    pub dll: DllPath,
}

/// `AutodialDLL` must be rasadhlp.dll and `NameSpace_Callout` fwpuclnt.dll, from the system
/// directory (a bare file name is what Windows 7 writes for AutodialDLL); the ones that are not.
pub(crate) fn foreign_hooks(cs: &ControlSetCatalogs) -> Vec<ForeignHook<'_>> {
    let Some(params) = &cs.winsock2_parameters else {
        return Vec::new();
    };
    [
        ("AutodialDLL", "rasadhlp.dll", &params.autodial_dll),
        (
            "NameSpace_Callout",
            "fwpuclnt.dll",
            &params.namespace_callout,
        ),
    ]
    .into_iter()
    .filter_map(|(value, expected, data)| {
        let path = data.as_deref().filter(|p| !p.trim().is_empty())?;
        let dll = DllPath::parse(path);
        let system_dll = dll.file_name == expected
            && matches!(
                dll.location,
                DllLocation::SystemDirectory | DllLocation::BareFileName
            );
        (!system_dll).then_some(ForeignHook {
            value,
            expected,
            path,
            dll,
        })
    })
    .collect()
}

fn hooks(cs: &ControlSetCatalogs, out: &mut Vec<Finding>) {
    for ForeignHook {
        value,
        expected,
        path,
        dll,
    } in foreign_hooks(cs)
    {
        let known = known_malicious(&dll.file_name);
        out.push(
            Finding::new(
                if known.is_some() {
                    Code::KnownMaliciousProvider
                } else {
                    Code::WinsockHookDll
                },
                if known.is_some() {
                    Severity::Critical
                } else {
                    Severity::Warning
                },
                WINSOCK2_PARAMETERS,
                format!(
                    "{value} is {path:?} ({}), not the system's {expected}: ws2_32 loads it into \
                     every program that resolves names{}.",
                    dll.location.describe(),
                    known.map_or(String::new(), |k| format!("; known as {k}"))
                ),
            )
            .value(value)
            .evidence(json!({ "data": path, "expected": expected, "dll_location": dll.location }))
            .repaired_by(RepairStep::FixServices),
        );
    }
}
