//! Which Windows wrote the hive: the version family (it decides which base providers are
//! expected and how catalogs look) and the architecture (x64 has two catalogs), with the
//! evidence used. From the SYSTEM hive alone this is an inference from the Winsock catalog's
//! own style (msafd.dll on NT 4.0/2000, literal names on XP, `wshtcpip.dll,-60100` on
//! Vista/7, `mswsock.dll,-60100` on 8 and later), the transports, `Control\Windows` and the
//! hive format; with the SOFTWARE hive it is exact (`Microsoft\Windows NT\CurrentVersion`).

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::reader::HiveReader;
use crate::hive::value::{RawValue, find};
use crate::winsock::catalog::ControlSetCatalogs;
use crate::winsock::dll_path::DllPath;
use crate::winsock::family::{Arch, Family};
use crate::winsock::packed_item::BASE_PROTOCOL;
use crate::winsock::providers::{AF_UNIX, HYPERV, TCPIP};
use crate::winsock::well_known::parse_indirect;

/// One fact used to decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// Where it was read: a key and value, or `catalog`.
    pub source: String,
    pub observed: String,
    /// What it points to.
    pub suggests: String,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowsVersion {
    pub family: Family,
    pub label: String,
    pub arch: Arch,
    /// `true` when read from the SOFTWARE hive, `false` when inferred from SYSTEM.
    pub exact: bool,
    /// The family is certain: exact, named by the user (`--windows`), or inferred from
    /// evidence that only that family leaves (its services, its catalog's style). Anything
    /// that writes a family's defaults refuses a family that is not pinned.
    pub pinned: bool,
    pub product_name: Option<String>,
    pub build: Option<u32>,
    /// `DisplayVersion` (20H2+) or `ReleaseId` (1507-2009).
    pub release: Option<String>,
    pub evidence: Vec<Evidence>,
}

/// The version facts of a control set in the SYSTEM hive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemVersionFacts {
    pub processor_architecture: Option<String>,
    pub csd_version: Option<u32>,
    pub csd_build_number: Option<u32>,
    /// The names of the control set's `Services` subkeys.
    pub services: Vec<String>,
}

/// `Microsoft\Windows NT\CurrentVersion` of the SOFTWARE hive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SoftwareVersionFacts {
    pub product_name: Option<String>,
    pub current_build: Option<String>,
    pub display_version: Option<String>,
    pub release_id: Option<String>,
    pub csd_version: Option<String>,
}

pub fn read_system_facts(
    reader: &HiveReader<'_>,
    control_set: &str,
) -> Result<SystemVersionFacts, FormatError> {
    let root = reader.root()?;
    let values_of = |path: &str| -> Result<Vec<RawValue>, FormatError> {
        match reader.open(&root, &format!(r"{control_set}\{path}"))? {
            Some(key) => reader.values(&key),
            None => Ok(Vec::new()),
        }
    };
    let environment = values_of(r"Control\Session Manager\Environment")?;
    let windows = values_of(r"Control\Windows")?;
    let services = match reader.open(&root, &format!(r"{control_set}\Services"))? {
        Some(key) => reader.subkey_names(&key)?,
        None => Vec::new(),
    };
    Ok(SystemVersionFacts {
        services,
        processor_architecture: find(&environment, "PROCESSOR_ARCHITECTURE")
            .and_then(RawValue::as_string),
        csd_version: find(&windows, "CSDVersion").and_then(RawValue::as_dword),
        csd_build_number: find(&windows, "CSDBuildNumber").and_then(RawValue::as_dword),
    })
}

/// `None` when the hive has no `Microsoft\Windows NT\CurrentVersion` (not a SOFTWARE hive).
pub fn read_software_facts(
    reader: &HiveReader<'_>,
) -> Result<Option<SoftwareVersionFacts>, FormatError> {
    let root = reader.root()?;
    let Some(key) = reader.open(&root, r"Microsoft\Windows NT\CurrentVersion")? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    let string = |n| find(&values, n).and_then(RawValue::as_string);
    Ok(Some(SoftwareVersionFacts {
        product_name: string("ProductName"),
        current_build: string("CurrentBuild").or_else(|| string("CurrentBuildNumber")),
        display_version: string("DisplayVersion"),
        release_id: string("ReleaseId"),
        csd_version: string("CSDVersion"),
    }))
}

/// Decide from what was read. `hive_minor_version` is the regf minor version (3 on NT 4.0).
impl WindowsVersion {
    /// This version with the family (and architecture) the user named, which then pins it.
    pub fn as_named(mut self, family: Family, arch: Option<Arch>) -> Self {
        self.evidence.push(Evidence {
            source: "--windows".into(),
            observed: family.label().into(),
            suggests: family.label().into(),
        });
        if let Some(arch) = arch {
            self.evidence.push(Evidence {
                source: "--arch".into(),
                observed: format!("{arch:?}").to_lowercase(),
                suggests: format!("{arch:?}").to_lowercase(),
            });
            self.arch = arch;
        }
        if family != self.family || !self.exact {
            self.family = family;
            self.label = family.label().to_string();
            self.exact = false;
            self.product_name = None;
            self.build = None;
            self.release = None;
        }
        self.pinned = true;
        self
    }
}

pub fn detect(
    system: &SystemVersionFacts,
    catalogs: &ControlSetCatalogs,
    hive_minor_version: u32,
    software: Option<&SoftwareVersionFacts>,
) -> WindowsVersion {
    let mut evidence = Vec::new();
    let arch = detect_arch(system, catalogs, &mut evidence);
    if let Some(version) = software.and_then(|s| from_software(s, arch, &mut evidence)) {
        return version;
    }
    let (family, pinned) = infer_family(system, catalogs, hive_minor_version, &mut evidence);
    WindowsVersion {
        family,
        label: family.label().to_string(),
        arch,
        exact: false,
        pinned,
        product_name: None,
        build: None,
        release: None,
        evidence,
    }
}

fn detect_arch(
    system: &SystemVersionFacts,
    catalogs: &ControlSetCatalogs,
    evidence: &mut Vec<Evidence>,
) -> Arch {
    const ENVIRONMENT: &str = r"Control\Session Manager\Environment\PROCESSOR_ARCHITECTURE";
    if let Some(text) = &system.processor_architecture {
        let arch = match text.to_ascii_uppercase().as_str() {
            "X86" => Arch::X86,
            "AMD64" => Arch::Amd64,
            "ARM64" => Arch::Arm64,
            "IA64" => Arch::Ia64,
            _ => Arch::Unknown,
        };
        evidence.push(Evidence {
            source: ENVIRONMENT.into(),
            observed: text.clone(),
            suggests: format!("{arch:?}").to_lowercase(),
        });
        if arch != Arch::Unknown {
            return arch;
        }
    }
    let has64 = catalogs
        .protocol_catalogs
        .iter()
        .any(|l| l.present && l.name.eq_ignore_ascii_case("Catalog_Entries64"));
    evidence.push(Evidence {
        source: r"Services\WinSock2\Parameters\Protocol_Catalog9".into(),
        observed: if has64 {
            "Catalog_Entries64 present".into()
        } else {
            "no Catalog_Entries64".into()
        },
        suggests: if has64 { "amd64" } else { "x86" }.into(),
    });
    if has64 { Arch::Amd64 } else { Arch::X86 }
}

fn from_software(
    software: &SoftwareVersionFacts,
    arch: Arch,
    evidence: &mut Vec<Evidence>,
) -> Option<WindowsVersion> {
    let build: u32 = software
        .current_build
        .as_deref()
        .and_then(|b| b.trim().parse().ok())?;
    let family = Family::from_build(build);
    let release = software
        .display_version
        .clone()
        .or_else(|| software.release_id.clone());
    // Windows 11 still calls itself "Windows 10" in ProductName.
    let product = software.product_name.clone().map(|p| {
        if build >= 22000 {
            p.replacen("Windows 10", "Windows 11", 1)
        } else {
            p
        }
    });
    evidence.push(Evidence {
        source: r"SOFTWARE\Microsoft\Windows NT\CurrentVersion\CurrentBuild".into(),
        observed: build.to_string(),
        suggests: family.label().into(),
    });
    let mut label = product
        .clone()
        .unwrap_or_else(|| family.label().to_string());
    for extra in [release.as_deref(), software.csd_version.as_deref()]
        .into_iter()
        .flatten()
    {
        label.push(' ');
        label.push_str(extra);
    }
    label.push_str(&format!(" (build {build})"));
    Some(WindowsVersion {
        family,
        label,
        arch,
        exact: true,
        pinned: true,
        product_name: product,
        build: Some(build),
        release,
        evidence: std::mem::take(evidence),
    })
}

/// The catalog's own style first (it is what the checks depend on), then weaker hints.
/// The family and whether the evidence pins it.
fn infer_family(
    system: &SystemVersionFacts,
    catalogs: &ControlSetCatalogs,
    hive_minor_version: u32,
    evidence: &mut Vec<Evidence>,
) -> (Family, bool) {
    let mut note = |source: &str, observed: String, family: Family| {
        evidence.push(Evidence {
            source: source.into(),
            observed,
            suggests: family.label().into(),
        });
        family
    };
    let from_catalog = catalog_style(catalogs).map(|(observed, family)| {
        note(
            r"Services\WinSock2\Parameters\Protocol_Catalog9",
            observed,
            family,
        )
    });
    let transports = transport_hint(catalogs).map(|(observed, family)| {
        note(r"Services\Winsock\Parameters\Transports", observed, family)
    });
    let from_services = services_hint(&system.services)
        .map(|(observed, family)| note("Services", observed, family));
    if let Some(n) = system.csd_build_number {
        evidence.push(Evidence {
            source: r"Control\Windows\CSDBuildNumber".into(),
            observed: format!("{n} (present)"),
            suggests: "Windows Vista or later".into(),
        });
    }
    if let Some(n) = system.csd_version {
        evidence.push(Evidence {
            source: r"Control\Windows\CSDVersion".into(),
            observed: format!("{n:#x}"),
            suggests: format!("service pack {}", n >> 8),
        });
    }
    evidence.push(Evidence {
        source: "hive base block".into(),
        observed: format!("regf 1.{hive_minor_version}"),
        suggests: if hive_minor_version <= 3 {
            "written by Windows NT 4.0 / 2000 / XP (format 1.3)"
        } else {
            "Windows XP or later (format 1.5)"
        }
        .into(),
    });
    // The services say which Windows this is whatever happened to the Winsock keys; the
    // catalog's style pins a family where only that family writes it (the 8 style is also
    // Windows 10's without its Hyper-V and AF_UNIX providers).
    if let Some(family) = from_services {
        return (family, true);
    }
    let family = match (from_catalog, transports) {
        // Windows 10 features decide between 8/8.1 and 10 when the names alone cannot.
        (Some(Family::Win881), Some(Family::Win1011)) => Family::Win1011,
        (Some(family), _) => return (family, family != Family::Win881),
        (None, Some(family)) => family,
        (None, None) if system.csd_build_number.is_some() => Family::Vista7,
        (None, None) if hive_minor_version <= 3 => Family::Nt4,
        // Vista and later always write CSDBuildNumber next to CSDVersion.
        (None, None) if system.csd_version.is_some() => Family::Xp2003,
        (None, None) => Family::Unknown,
    };
    (family, false)
}

/// Services that exist from one Windows on and not before, newest first (each checked on the
/// real hives of the test corpus: NT 4.0, XP, 7, 8.1, 10 1709 and 1903); and the oldest
/// family's services, which only the absence of the later ones pins.
const SERVICE_CLUES: [(Family, &[&str]); 5] = [
    (
        Family::Win1011,
        &["CoreMessagingRegistrar", "bam", "cldflt", "afunix", "wcifs"],
    ),
    (Family::Win881, &["pdc", "wfplwfs", "ahcache", "WdBoot"]),
    (Family::Vista7, &["nsi", "MpsSvc", "volmgrx", "Tcpip6"]),
    (Family::Xp2003, &["Dnscache", "ws2ifsl"]),
    (Family::Nt4, &["AFD", "NetBT"]),
];

/// Fewer services than every Windows of the corpus has (NT 4.0: 136): a damaged or partial
/// `Services` key, whose missing later clues say nothing.
const FEWEST_SERVICES: usize = 100;

/// The family whose clue services are the newest present, with the names that showed it. Only
/// Windows 10's clues pin it on their own; an older family is pinned by the absence of every
/// later clue, so only in a whole `Services` key.
fn services_hint(services: &[String]) -> Option<(String, Family)> {
    let (family, present) = SERVICE_CLUES.iter().find_map(|(family, clues)| {
        let present: Vec<&str> = clues
            .iter()
            .copied()
            .filter(|clue| services.iter().any(|s| s.eq_ignore_ascii_case(clue)))
            .collect();
        (!present.is_empty()).then_some((*family, present))
    })?;
    if family != Family::Win1011 && services.len() < FEWEST_SERVICES {
        return None;
    }
    let observed = if family == Family::Win1011 {
        format!("{} present", present.join(", "))
    } else {
        format!(
            "{} present, none of a later Windows' ({} services)",
            present.join(", "),
            services.len()
        )
    };
    Some((observed, family))
}

/// The Microsoft TCP/IPv4 base entry's DLL and name style.
fn catalog_style(catalogs: &ControlSetCatalogs) -> Option<(String, Family)> {
    let mut win10_providers = false;
    let mut style = None;
    for entry in catalogs.protocol_catalogs.iter().flat_map(|l| &l.entries) {
        let Some(item) = &entry.item else { continue };
        let guid = &item.provider_id;
        if *guid == HYPERV || *guid == AF_UNIX {
            win10_providers = true;
        }
        if style.is_some() || *guid != TCPIP || item.chain_len != BASE_PROTOCOL {
            continue;
        }
        let dll = DllPath::parse(&item.library_path).file_name;
        let name = entry.protocol_name.clone().unwrap_or_default();
        let family = if dll == "msafd.dll" {
            Family::Nt4
        } else {
            match parse_indirect(&name).map(|(file, _)| file) {
                Some(file) if file == "wshtcpip.dll" => Family::Vista7,
                Some(file) if file == "mswsock.dll" => Family::Win881,
                Some(_) => continue,
                None if name.starts_with("MSAFD Tcpip") => Family::Xp2003,
                None => continue,
            }
        };
        style = Some((format!("TCP/IP provider {dll}, name \"{name}\""), family));
    }
    match style {
        Some((observed, Family::Win881)) if win10_providers => Some((
            format!("{observed}; Hyper-V RAW or AF_UNIX provider present"),
            Family::Win1011,
        )),
        other => other,
    }
}

/// Windows 10 transports (`vmbus`, `afunix`) and their `ProviderGUID` values; `Tcpip6` and
/// `Psched` with WSH helpers since Vista.
fn transport_hint(catalogs: &ControlSetCatalogs) -> Option<(String, Family)> {
    let names: Vec<&str> = catalogs
        .transports
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    let win10 = catalogs.transports.iter().any(|t| {
        t.provider_guid.is_some()
            || t.offline_capable.is_some()
            || t.name.eq_ignore_ascii_case("vmbus")
            || t.name.eq_ignore_ascii_case("afunix")
    });
    let has = |n: &str| names.iter().any(|t| t.eq_ignore_ascii_case(n));
    let family = if win10 {
        Family::Win1011
    } else if has("Psched") && has("Tcpip6") {
        Family::Vista7
    } else {
        return None;
    };
    Some((names.join(", "), family))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_map_to_families() {
        assert_eq!(Family::from_build(1381), Family::Nt4);
        assert_eq!(Family::from_build(2600), Family::Xp2003);
        assert_eq!(Family::from_build(3790), Family::Xp2003);
        assert_eq!(Family::from_build(7601), Family::Vista7);
        assert_eq!(Family::from_build(9600), Family::Win881);
        assert_eq!(Family::from_build(22631), Family::Win1011);
    }

    #[test]
    fn software_facts_are_exact_and_name_windows_11() {
        let software = SoftwareVersionFacts {
            product_name: Some("Windows 10 Pro".into()),
            current_build: Some("22631".into()),
            display_version: Some("23H2".into()),
            ..Default::default()
        };
        let mut evidence = Vec::new();
        let v = from_software(&software, Arch::Amd64, &mut evidence).unwrap();
        assert!(v.exact);
        assert_eq!(v.family, Family::Win1011);
        assert_eq!(v.label, "Windows 11 Pro 23H2 (build 22631)");
    }
}
