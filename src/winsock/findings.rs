//! What `scan` reports: one [`Finding`] per problem, with a stable `code` (the output contract,
//! documented in docs/findings.md), how bad it is, where it is, what the user sees on the
//! machine because of it (the KB 811259 symptoms) and which repair fixes it.

use serde::Serialize;

use crate::winsock::repair::Mode;

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing, not a problem.
    Info,
    /// Suspicious or degraded: networking may work, but something is not as Windows left it.
    Warning,
    /// Networking breaks (or is hijacked) because of it.
    Critical,
}

impl Severity {
    /// The severity as it appears in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// The stable identifiers of the checks. Add codes; never rename or reuse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// `Services\WinSock2\Parameters` is missing: no catalogs at all.
    Winsock2KeyMissing,
    /// `Services\Winsock\Parameters` is missing: no transport helper list.
    WinsockKeyMissing,
    /// A key exists but cannot be read (damaged cells).
    KeyUnreadable,
    /// A catalog key, or a value ws2_32 needs to load the catalog, is missing.
    CatalogKeyMissing,
    /// Some of the numbered entry keys up to the count are missing.
    CatalogGap,
    /// The count differs from the number of numbered entry keys.
    CatalogCountMismatch,
    /// An entry key beyond the count, or misnamed: never loaded.
    DormantCatalogEntry,
    /// The `PackedCatalogItem` of an entry Winsock loads is unusable.
    TruncatedCatalogItem,
    /// Catalog IDs that repeat, are zero, or reach `Next_Catalog_Entry_ID`.
    CatalogIdConflict,
    /// A layered service provider (LSP) and the base providers it wraps.
    LayeredProvider,
    /// A chain entry that cannot be followed to a base provider.
    DanglingChain,
    /// A Microsoft provider GUID whose DLL is not the system's.
    ProviderPathTampered,
    /// A base provider with an unknown GUID and a DLL outside the system directory.
    ForeignProviderDll,
    /// A provider or hook DLL known as adware or malware by name.
    KnownMaliciousProvider,
    /// A namespace provider that is not Microsoft's, or not in the system directory.
    ForeignNamespaceProvider,
    /// A namespace entry ws2_32 cannot load as it is.
    NamespaceEntryInvalid,
    /// The 32-bit and 64-bit entry lists hold different providers.
    CatalogArchMismatch,
    /// A catalog writer lock, normally volatile, that persisted.
    StaleCatalogLock,
    /// `AutodialDLL` or `NameSpace_Callout` names a DLL other than Windows' own.
    WinsockHookDll,
    /// The AFD driver (the kernel side of every socket) is missing or does not start.
    AfdDisabled,
    /// `Services\Tcpip` is missing or disabled (KB 811259's code 24).
    TcpipDisabled,
    /// A transport listed in `Winsock\Parameters\Transports` is broken.
    TransportInvalid,
    /// A base provider this Windows installs is missing from an entry list.
    DefaultProviderMissing,
    /// A third-party base provider (a protocol of its own): not a problem.
    ThirdPartyBaseProvider,
    /// A DLL the catalogs or services name is not on the volume.
    ProviderDllMissing,
    /// A DLL whose version resource does not name Microsoft.
    ProviderDllNotMicrosoft,
    /// A DLL path that would leave the volume: reported, never followed.
    ProviderDllOutsideVolume,
    /// The full structural check found damage elsewhere in the hive.
    HiveStructureDamaged,
    /// `Serial_Access_Num` is 0: the catalog loads with no entry.
    CatalogEmptyBySerial,
    /// A value the loader needs is there, but not of the type or size it reads.
    CatalogValueInvalid,
    /// A DLL that is there but that Windows cannot load (empty, not a PE image).
    ProviderDllUnloadable,
    /// A DLL whose machine type does not match the processes that load it.
    ProviderDllWrongArch,
}

impl Code {
    /// The code as it appears in the output.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Winsock2KeyMissing => "winsock2_key_missing",
            Self::WinsockKeyMissing => "winsock_key_missing",
            Self::KeyUnreadable => "key_unreadable",
            Self::CatalogKeyMissing => "catalog_key_missing",
            Self::CatalogGap => "catalog_gap",
            Self::CatalogCountMismatch => "catalog_count_mismatch",
            Self::DormantCatalogEntry => "dormant_catalog_entry",
            Self::TruncatedCatalogItem => "truncated_catalog_item",
            Self::CatalogIdConflict => "catalog_id_conflict",
            Self::LayeredProvider => "layered_provider",
            Self::DanglingChain => "dangling_chain",
            Self::ProviderPathTampered => "provider_path_tampered",
            Self::ForeignProviderDll => "foreign_provider_dll",
            Self::KnownMaliciousProvider => "known_malicious_provider",
            Self::ForeignNamespaceProvider => "foreign_namespace_provider",
            Self::NamespaceEntryInvalid => "namespace_entry_invalid",
            Self::CatalogArchMismatch => "catalog_arch_mismatch",
            Self::StaleCatalogLock => "stale_catalog_lock",
            Self::WinsockHookDll => "winsock_hook_dll",
            Self::AfdDisabled => "afd_disabled",
            Self::TcpipDisabled => "tcpip_disabled",
            Self::TransportInvalid => "transport_invalid",
            Self::DefaultProviderMissing => "default_provider_missing",
            Self::ThirdPartyBaseProvider => "third_party_base_provider",
            Self::ProviderDllMissing => "provider_dll_missing",
            Self::ProviderDllNotMicrosoft => "provider_dll_not_microsoft",
            Self::ProviderDllOutsideVolume => "provider_dll_outside_volume",
            Self::HiveStructureDamaged => "hive_structure_damaged",
            Self::CatalogEmptyBySerial => "catalog_empty_by_serial",
            Self::CatalogValueInvalid => "catalog_value_invalid",
            Self::ProviderDllUnloadable => "provider_dll_unloadable",
            Self::ProviderDllWrongArch => "provider_dll_wrong_arch",
        }
    }

    /// What the user sees on the machine when this is wrong.
    pub fn symptoms(self) -> &'static [Symptom] {
        use Symptom::*;
        const CATALOG_BROKEN: &[Symptom] = &[
            Error10107,
            NotASocket,
            PageCannotBeDisplayed,
            NoIpAddress,
            Error720,
        ];
        const SOCKETS_FAIL: &[Symptom] = &[NotASocket, PageCannotBeDisplayed, NoIpAddress];
        match self {
            Self::Winsock2KeyMissing
            | Self::WinsockKeyMissing
            | Self::KeyUnreadable
            | Self::CatalogKeyMissing
            | Self::CatalogGap
            | Self::TruncatedCatalogItem
            | Self::CatalogEmptyBySerial
            | Self::CatalogValueInvalid => CATALOG_BROKEN,
            Self::CatalogCountMismatch
            | Self::CatalogIdConflict
            | Self::DanglingChain
            | Self::DefaultProviderMissing
            | Self::TransportInvalid
            | Self::ProviderDllMissing
            | Self::ProviderDllUnloadable => SOCKETS_FAIL,
            Self::LayeredProvider | Self::KnownMaliciousProvider | Self::ProviderPathTampered => {
                &[PageCannotBeDisplayed, TrafficRedirected]
            }
            Self::ForeignProviderDll
            | Self::ForeignNamespaceProvider
            | Self::WinsockHookDll
            | Self::ProviderDllNotMicrosoft
            | Self::ProviderDllOutsideVolume => &[TrafficRedirected],
            Self::NamespaceEntryInvalid => &[NameResolutionFails, Error10107],
            Self::CatalogArchMismatch => &[OnlySomeProgramsFail],
            Self::ProviderDllWrongArch => &[OnlySomeProgramsFail, NotASocket],
            Self::StaleCatalogLock => &[WinsockStalls],
            Self::AfdDisabled => &[NotASocket, NoIpAddress, PageCannotBeDisplayed],
            Self::TcpipDisabled => &[TcpipCode24, NoIpAddress, Error720],
            Self::DormantCatalogEntry
            | Self::ThirdPartyBaseProvider
            | Self::HiveStructureDamaged => &[],
        }
    }

    /// The repair that fixes it.
    pub fn repair(self) -> Repair {
        use RepairStep::*;
        let step = match self {
            Self::LayeredProvider | Self::KnownMaliciousProvider => RemoveLsp,
            Self::DanglingChain
            | Self::CatalogGap
            | Self::CatalogCountMismatch
            | Self::DormantCatalogEntry
            | Self::CatalogIdConflict
            | Self::StaleCatalogLock
            | Self::CatalogEmptyBySerial => Fix,
            Self::Winsock2KeyMissing
            | Self::WinsockKeyMissing
            | Self::CatalogArchMismatch
            | Self::KeyUnreadable
            | Self::CatalogKeyMissing
            | Self::CatalogValueInvalid
            | Self::TruncatedCatalogItem
            | Self::ProviderPathTampered
            | Self::ForeignProviderDll
            | Self::DefaultProviderMissing
            | Self::ProviderDllNotMicrosoft
            | Self::ProviderDllOutsideVolume => Reset,
            Self::ProviderDllMissing | Self::ProviderDllUnloadable | Self::ProviderDllWrongArch => {
                RestoreFile
            }
            Self::ForeignNamespaceProvider | Self::NamespaceEntryInvalid => ResetNamespace,
            Self::AfdDisabled
            | Self::TcpipDisabled
            | Self::TransportInvalid
            | Self::WinsockHookDll => FixServices,
            Self::ThirdPartyBaseProvider => Nothing,
            Self::HiveStructureDamaged => Salvage,
        };
        step.repair()
    }
}

/// A symptom from KB 811259 ("How to determine and recover from Winsock2 corruption") or of
/// the same family, as the user meets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptom {
    /// Error 10107 when a program or service starts sockets.
    Error10107,
    /// "An operation was attempted on something that is not a socket".
    NotASocket,
    /// Browsers show "The page cannot be displayed".
    PageCannotBeDisplayed,
    /// Dial-up and VPN connections fail with error 720.
    Error720,
    /// Device Manager shows the TCP/IP driver disabled, code 24.
    TcpipCode24,
    /// No IP address is obtained or released.
    NoIpAddress,
    /// Names no longer resolve.
    NameResolutionFails,
    /// Traffic is seen or redirected by a foreign provider.
    TrafficRedirected,
    /// Only some programs (32-bit or 64-bit) fail.
    OnlySomeProgramsFail,
    /// Programs stall while opening sockets.
    WinsockStalls,
}

impl Symptom {
    /// The symptom as the user reads it.
    pub fn text(self) -> &'static str {
        match self {
            Self::Error10107 => {
                "\"Initialization function INITHELPERDLL in IPMONTR.DLL failed to start with error code 10107\""
            }
            Self::NotASocket => {
                "ipconfig /renew: \"An operation was attempted on something that is not a socket\""
            }
            Self::PageCannotBeDisplayed => "Browser: \"The page cannot be displayed\"",
            Self::Error720 => "Dial-up: \"Error 720: No PPP Control Protocols Configured\"",
            Self::TcpipCode24 => {
                "Device Manager (show hidden devices): TCP/IP Protocol Driver disabled, code 24"
            }
            Self::NoIpAddress => "No IP address (not even APIPA); packets received but not sent",
            Self::NameResolutionFails => "Names do not resolve though IP addresses work",
            Self::TrafficRedirected => {
                "Traffic silently passes through a third-party DLL (ads, redirects, proxy, spying)"
            }
            Self::OnlySomeProgramsFail => "Only 32-bit or only 64-bit programs fail to connect",
            Self::WinsockStalls => {
                "Programs hang for minutes when they start networking (WSAStartup waits for a catalog lock)"
            }
        }
    }
}

/// A symptom as written in the output: `{id, text}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymptomOut(pub Symptom);

impl Serialize for SymptomOut {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Symptom", 2)?;
        s.serialize_field("id", &self.0)?;
        s.serialize_field("text", self.0.text())?;
        s.end()
    }
}

/// The repair steps of `winsock-doctor repair`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepairStep {
    /// `repair --mode remove-lsp`: remove layered providers, keep everything else.
    RemoveLsp,
    /// `repair --mode fix`: renumber keys, fix counts and IDs, drop broken chains.
    Fix,
    /// `repair --mode reset`: rebuild the protocol catalog from the defaults (netsh winsock reset).
    Reset,
    /// `repair --reset-namespace`: rebuild the namespace catalog.
    ResetNamespace,
    /// `repair --fix-services` (with any mode): AFD, Tcpip, Transports, hook DLL values.
    FixServices,
    /// `repair --salvage`: rebuild a fresh hive from everything readable.
    Salvage,
    /// No registry repair brings back a deleted file: restore it from the installation.
    RestoreFile,
    /// Not a problem: nothing to repair.
    Nothing,
}

/// Which repair fixes a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Repair {
    /// `remove-lsp`, `fix` or `reset` for `repair --mode`; `None` when no mode is needed.
    pub mode: Option<Mode>,
    /// Extra options of `repair`.
    pub options: Vec<&'static str>,
    /// The command line to run (TARGET is the hive; the repaired copy goes to OUT).
    pub command: Option<String>,
    /// What the repair does, or why none is needed.
    pub note: &'static str,
}

impl RepairStep {
    /// The repair, with its command line options and a note.
    pub fn repair(self) -> Repair {
        let (mode, options, note) = match self {
            Self::RemoveLsp => (
                Some(Mode::RemoveLsp),
                vec![],
                "removes the layered provider's entries and renumbers the catalog; base providers stay",
            ),
            Self::Fix => (
                Some(Mode::Fix),
                vec![],
                "renumbers the entry keys, fixes counts and IDs, drops chains that point nowhere",
            ),
            Self::Reset => (
                Some(Mode::Reset),
                vec![],
                "rebuilds the protocol catalog from the Windows defaults (what netsh winsock reset does)",
            ),
            Self::ResetNamespace => (
                None,
                vec!["--reset-namespace"],
                "rebuilds the namespace catalog from the Windows defaults",
            ),
            Self::FixServices => (
                None,
                vec!["--fix-services"],
                "restores the AFD and Tcpip service start types, the Transports list and the hook DLL values",
            ),
            Self::RestoreFile => (
                None,
                vec![],
                "no registry repair restores a system file: run the offline system file check \
                 from WinPE, with the system's volume as D: (sfc /scannow /offbootdir=D:\\ \
                 /offwindir=D:\\Windows; Vista and later; on XP copy the file from the original \
                 media); a third-party DLL comes back by reinstalling its program, or repair \
                 --mode reset / remove-lsp drops the provider that names it",
            ),
            Self::Salvage => (
                None,
                vec!["--salvage"],
                "rebuilds a fresh hive from everything readable and lists what was lost; or \
                 restore the hive from a backup (RegBack, a restore point)",
            ),
            Self::Nothing => (None, vec![], "nothing to repair"),
        };
        let command = (mode.is_some() || !options.is_empty()).then(|| {
            let mut parts = vec!["winsock-doctor repair TARGET".to_string()];
            if let Some(m) = mode {
                parts.push(format!("--mode {m}"));
            }
            parts.extend(options.iter().map(|o| o.to_string()));
            parts.push("--out OUT".into());
            parts.join(" ")
        });
        Repair {
            mode,
            options,
            command,
            note,
        }
    }
}

/// One problem (or notable fact) found in one control set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Which check found it: the stable code (docs/findings.md).
    pub code: Code,
    /// How bad it is here (one code can be critical or a warning, per case).
    pub severity: Severity,
    /// `ControlSet001`.
    pub control_set: String,
    /// The key at fault, from the control set: `Services\WinSock2\Parameters\...`.
    pub key: String,
    /// The value at fault, when one is.
    pub value: Option<String>,
    /// One or two sentences for a technician.
    pub message: String,
    /// The decoded facts behind the finding (and raw bytes in hex where the bytes are the point).
    pub evidence: serde_json::Value,
    /// What the user sees on the machine because of it.
    #[serde(serialize_with = "symptoms_out")]
    pub symptoms: &'static [Symptom],
    /// The repair that fixes it.
    pub repair: Repair,
}

fn symptoms_out<S: serde::Serializer>(
    symptoms: &&'static [Symptom],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(symptoms.iter().map(|&s| SymptomOut(s)))
}

impl Finding {
    /// A finding with the code's symptoms and repair; `control_set` is filled in by the caller
    /// of the checks.
    pub fn new(
        code: Code,
        severity: Severity,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            severity,
            control_set: String::new(),
            key: key.into(),
            value: None,
            message: message.into(),
            evidence: serde_json::Value::Null,
            symptoms: code.symptoms(),
            repair: code.repair(),
        }
    }

    /// The same finding, about the value `name` of its key.
    pub fn value(mut self, name: impl Into<String>) -> Self {
        self.value = Some(name.into());
        self
    }

    /// The same finding, fixed by `step` rather than by its code's usual repair (a code found
    /// in several places, where each place has its own repair).
    pub fn repaired_by(mut self, step: RepairStep) -> Self {
        self.repair = step.repair();
        self
    }

    /// The same finding, with the facts behind it.
    pub fn evidence(mut self, evidence: serde_json::Value) -> Self {
        self.evidence = evidence;
        self
    }

    /// What ws2_32 does with the problem when it loads the catalog, as `evidence.loader`.
    pub fn loader(mut self, behaviour: &str) -> Self {
        if !self.evidence.is_object() {
            self.evidence = serde_json::json!({});
        }
        if let Some(map) = self.evidence.as_object_mut() {
            map.insert("loader".into(), behaviour.into());
        }
        self
    }

    /// Whether it counts against `healthy`.
    pub fn is_problem(&self) -> bool {
        self.severity > Severity::Info
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_documented_names() {
        for code in [
            Code::Winsock2KeyMissing,
            Code::LayeredProvider,
            Code::ThirdPartyBaseProvider,
        ] {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::from(code.as_str())
            );
        }
    }

    #[test]
    fn severities_order_and_only_info_is_healthy() {
        assert!(Severity::Critical > Severity::Warning && Severity::Warning > Severity::Info);
        let info = Finding::new(Code::ThirdPartyBaseProvider, Severity::Info, "k", "m");
        assert!(!info.is_problem());
        assert_eq!(info.repair.command, None);
        let lsp = Finding::new(Code::LayeredProvider, Severity::Warning, "k", "m");
        assert!(lsp.is_problem());
        assert_eq!(
            lsp.repair.command.as_deref(),
            Some("winsock-doctor repair TARGET --mode remove-lsp --out OUT")
        );
        let json = serde_json::to_value(&lsp).unwrap();
        assert_eq!(json["symptoms"][0]["id"], "page_cannot_be_displayed");
    }
}
