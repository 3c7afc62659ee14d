//! What Winsock stands on outside its catalogs: `Services\Winsock\Parameters\Transports` (KB
//! 811259 deletes the key and reinstalls TCP/IP to get it back), the AFD and Tcpip driver
//! services, and the hook DLL values of `WinSock2\Parameters` (`--fix-services`).

use crate::hive::value::{REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ, RawValue};
use crate::winsock::catalog::{ControlSetCatalogs, WINSOCK2_PARAMETERS};
use crate::winsock::default_catalog::{default_transports, winsock2_parameter};
use crate::winsock::diagnose::{ForeignHook, foreign_hooks};
use crate::winsock::family::Family;
use crate::winsock::findings::Code;
use crate::winsock::repair::Context;
use crate::winsock::repair::layout::parameters_path;
use crate::winsock::repair::plan::RepairPlan;

const WINSOCK_PARAMETERS: &str = r"Services\Winsock\Parameters";
const TRANSPORTS: &str = "Transports";
const DISABLED: u32 = 4;

/// The transports the catalog is built from: the hive's list when it names Tcpip, else the
/// family's default transports whose helper key exists.
pub fn transports(cs: &ControlSetCatalogs, context: &Context<'_>) -> Vec<String> {
    let listed = cs
        .winsock_parameters
        .as_ref()
        .and_then(|p| p.transports.clone())
        .unwrap_or_default();
    if listed.iter().any(|t| t.eq_ignore_ascii_case("Tcpip")) {
        return listed;
    }
    rebuilt_transports(context)
}

fn rebuilt_transports(context: &Context<'_>) -> Vec<String> {
    default_transports(context.windows.family)
        .iter()
        .filter(|t| {
            t.eq_ignore_ascii_case("Tcpip")
                || context
                    .helper_keys
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(t))
        })
        .map(|t| t.to_string())
        .collect()
}

fn multi_string(name: &str, items: &[String]) -> RawValue {
    let mut data: Vec<u8> = Vec::new();
    for item in items {
        data.extend(item.encode_utf16().flat_map(u16::to_le_bytes));
        data.extend_from_slice(&[0, 0]);
    }
    data.extend_from_slice(&[0, 0]);
    RawValue {
        name: name.to_string(),
        data_type: REG_MULTI_SZ,
        data,
    }
}

/// Recreate `Services\Winsock\Parameters` with its `Transports` when the key is gone, and
/// rebuild `Transports` when it is missing, empty or lacks Tcpip.
pub fn restore_transports(cs: &ControlSetCatalogs, context: &Context<'_>, plan: &mut RepairPlan) {
    let key = format!(r"{}\{WINSOCK_PARAMETERS}", cs.control_set);
    let rebuilt = rebuilt_transports(context);
    match &cs.winsock_parameters {
        None => {
            plan.create_key(&key);
            plan.set(&key, &[], multi_string(TRANSPORTS, &rebuilt));
            plan.claim(
                context.findings,
                &[Code::WinsockKeyMissing],
                WINSOCK_PARAMETERS,
            );
        }
        Some(params) => {
            let listed = params.transports.clone().unwrap_or_default();
            if !listed.iter().any(|t| t.eq_ignore_ascii_case("Tcpip")) {
                plan.set(&key, &params.values, multi_string(TRANSPORTS, &rebuilt));
            }
        }
    }
}

/// `--fix-services`.
pub fn plan(cs: &ControlSetCatalogs, context: &Context<'_>, plan: &mut RepairPlan) {
    let family = context.windows.family;
    restore_transports(cs, context, plan);
    let services = format!(r"{}\Services", cs.control_set);

    // Transports listed without a helper key cannot create sockets: take them off the list
    // (Tcpip and Tcpip6 stay: they cannot be reinstalled offline).
    if let Some(params) = &cs.winsock_parameters {
        let listed = params.transports.clone().unwrap_or_default();
        if listed.iter().any(|t| t.eq_ignore_ascii_case("Tcpip")) {
            let essential = |name: &str| {
                ["Tcpip", "Tcpip6"]
                    .iter()
                    .any(|t| t.eq_ignore_ascii_case(name))
            };
            let broken: Vec<&str> = cs
                .transports
                .iter()
                .filter(|t| !t.present || t.helper_dll_name.is_none() || t.mapping_error.is_some())
                .map(|t| t.name.as_str())
                .collect();
            let kept: Vec<String> = listed
                .iter()
                .filter(|t| essential(t) || !broken.iter().any(|b| b.eq_ignore_ascii_case(t)))
                .cloned()
                .collect();
            if kept.len() != listed.len() {
                let key = format!(r"{}\{WINSOCK_PARAMETERS}", cs.control_set);
                plan.set(&key, &params.values, multi_string(TRANSPORTS, &kept));
            }
            if broken.iter().any(|b| essential(b)) {
                plan.note(
                    "A TCP/IP transport's Winsock helper key is damaged; it cannot be rebuilt \
                     offline: reinstall TCP/IP (netsh int ip reset) after booting.",
                );
            } else {
                plan.claim(context.findings, &[Code::TransportInvalid], "Services");
            }
        }
    }

    // AFD: system start (NT 4.0: automatic). Tcpip: its family's start type (real hives: NT
    // 4.0 automatic, XP system, Vista and later boot).
    let afd_start = if family == Family::Nt4 { 2 } else { 1 };
    match &cs.afd {
        Some(afd) => {
            let wrong = match afd.start {
                None | Some(DISABLED) => true,
                Some(n) => n > 1 && family != Family::Nt4,
            };
            if wrong {
                plan.set(
                    &format!(r"{services}\{}", afd.name),
                    &afd.values,
                    RawValue::dword("Start", afd_start),
                );
            }
        }
        None => {
            let key = format!(r"{services}\AFD");
            plan.create_key(&key);
            let group = if family >= Family::Vista7 {
                "PNP_TDI"
            } else {
                "TDI"
            };
            for value in [
                RawValue::dword("Type", 1),
                RawValue::dword("Start", afd_start),
                RawValue::dword("ErrorControl", 1),
                RawValue::string("Group", REG_SZ, group),
                RawValue::string(
                    "ImagePath",
                    REG_EXPAND_SZ,
                    r"\SystemRoot\system32\drivers\afd.sys",
                ),
            ] {
                plan.set(&key, &[], value);
            }
        }
    }
    plan.claim(context.findings, &[Code::AfdDisabled], r"Services\AFD");
    match &cs.tcpip {
        Some(tcpip) if matches!(tcpip.start, None | Some(DISABLED)) => {
            let start = match family {
                Family::Nt4 => 2,
                Family::Xp2003 => 1,
                _ => 0,
            };
            plan.set(
                &format!(r"{services}\{}", tcpip.name),
                &tcpip.values,
                RawValue::dword("Start", start),
            );
            plan.claim(context.findings, &[Code::TcpipDisabled], r"Services\Tcpip");
        }
        Some(_) => {}
        None => plan.note(
            "The Tcpip service key is missing; it cannot be rebuilt offline: repair or reinstall \
             Windows networking.",
        ),
    }
    hooks(cs, context, plan);
}

/// `AutodialDLL` and `NameSpace_Callout` back to the system's DLLs.
fn hooks(cs: &ControlSetCatalogs, context: &Context<'_>, plan: &mut RepairPlan) {
    let Some(params) = &cs.winsock2_parameters else {
        return;
    };
    let key = parameters_path(cs);
    for ForeignHook { value: name, .. } in foreign_hooks(cs) {
        match winsock2_parameter(context.windows.family, name) {
            Some(default) => plan.set(&key, &params.values, default),
            None => {
                if let Some(value) = params.values.iter().find(|v| v.is_named(name)) {
                    plan.edits.push(crate::winsock::repair::Edit::DeleteValue {
                        key: key.clone(),
                        before: value.clone(),
                    });
                }
            }
        }
    }
    plan.claim_exact(
        context.findings,
        &[Code::WinsockHookDll, Code::KnownMaliciousProvider],
        WINSOCK2_PARAMETERS,
    );
}
