//! Repairs: pure functions from the catalog model of one control set (and the Windows family
//! and the findings of its diagnosis) to a [`RepairPlan`]; [`apply`] carries a plan out on a
//! hive editor. One file per mode; `layout` holds what they share (key paths, entry lists,
//! counters and locks).

pub mod apply;
mod fix;
mod layout;
mod lsp_units;
mod namespace;
pub mod plan;
mod remove_lsp;
mod reset;
pub mod restore_from;
mod services;

use serde::Serialize;

use crate::winsock::catalog::ControlSetCatalogs;
use crate::winsock::findings::Finding;
use crate::winsock::windows_version::WindowsVersion;

pub use lsp_units::LspSelector;
pub use plan::{Edit, RemovedProvider, RepairPlan};
pub use restore_from::{RestoreFrom, RestoreInputs, RestoreSource};

/// What `repair --mode` does to the protocol catalog. The doc comments are the help of
/// `--mode`; the names are [`Mode::as_str`] everywhere (`--mode`, JSON, suggested commands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Mode {
    /// Rebuild the protocol catalog from the transports, like netsh winsock reset
    Reset,
    /// Remove layered service providers (all, or those named by --lsp), like instlsp
    RemoveLsp,
    /// Structural repairs only: numbering, counts, IDs, stale locks, dangling chains
    Fix,
    /// Put back the Winsock keys of another copy of the configuration (--from)
    Restore,
}

impl Mode {
    /// The name `--mode` takes and JSON prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::RemoveLsp => "remove-lsp",
            Self::Fix => "fix",
            Self::Restore => "restore",
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the user asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RepairOptions {
    /// `--mode`: what to do to the protocol catalog, if anything.
    pub mode: Option<Mode>,
    /// `--lsp`: the layered providers to remove (none = all).
    pub lsps: Vec<LspSelector>,
    /// `--keep-third-party`: reset keeps third-party base providers.
    pub keep_third_party: bool,
    /// `--reset-namespace`: rebuild the namespace catalog from the defaults.
    pub reset_namespace: bool,
    /// `--fix-services`: AFD, Tcpip, Transports and the hook DLL values.
    pub fix_services: bool,
    /// `--from`: the copy `--mode restore` puts back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<RestoreFrom>,
    /// `--allow-other-windows`: restore from a source of another Windows family or build.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_other_windows: bool,
}

/// What the planner knows besides the catalogs.
#[derive(Debug, Clone)]
pub struct Context<'a> {
    /// The Windows the control set belongs to: its defaults are what a reset writes.
    pub windows: &'a WindowsVersion,
    /// The findings of the control set's diagnosis.
    pub findings: &'a [Finding],
    /// Transports (of the family's default list) whose `Services\<T>\Parameters\Winsock` key
    /// exists, for rebuilding a lost `Transports` value.
    pub helper_keys: Vec<String>,
    /// The source and the current keys, for `--mode restore`.
    pub restore: Option<RestoreInputs<'a>>,
}

/// Why a repair cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "the Windows version is only inferred ({0}) and nothing in the hive pins it, so its defaults cannot be written: give the SOFTWARE hive with --software, or name the version with --windows nt4|xp|vista7|8|10 --arch x86|amd64"
    )]
    /// A repair that writes defaults, on a Windows version only guessed.
    FamilyNotPinned(String),
    /// `--lsp` names no layered provider of the catalog.
    #[error("no layered provider matches {0}")]
    NoSuchLsp(String),
    /// `--lsp` names more than one layered provider.
    #[error("--lsp must name one layered provider, but {0}")]
    AmbiguousLsp(String),
    /// No mode and no other repair was asked.
    #[error("nothing to repair was asked: give --mode, --reset-namespace or --fix-services")]
    NothingAsked,
    /// A protocol entry that cannot be encoded again.
    #[error("a protocol entry cannot be written: {0}")]
    Encode(String),
    #[error(
        "--mode restore needs --from: a control set (ControlSet002, LastKnownGood), a hive file or auto"
    )]
    /// `--mode restore` without `--from`.
    NoRestoreSource,
    #[error(
        "refused: {0}. A restore puts back a configuration written for one Windows; give --allow-other-windows to restore it anyway (the report then lists every provider it adds, removes or changes)"
    )]
    /// A restore source of another Windows, without `--allow-other-windows`.
    OtherWindows(String),
    /// A restore source with no Winsock keys.
    #[error("{0} has no Services\\WinSock2 key: there is nothing to restore from it")]
    EmptySource(String),
    #[error(
        "no catalog entry ID is left to give the entries that share one (an ID is already 4294967295): --mode reset renumbers the whole catalog"
    )]
    /// No catalog ID is left to renumber the entries that share one.
    IdsExhausted,
}

/// Plan the repairs `options` ask for on one control set.
pub fn plan(
    cs: &ControlSetCatalogs,
    context: &Context<'_>,
    options: &RepairOptions,
) -> Result<RepairPlan, PlanError> {
    if options.mode.is_none() && !options.reset_namespace && !options.fix_services {
        return Err(PlanError::NothingAsked);
    }
    let writes_defaults =
        options.mode == Some(Mode::Reset) || options.reset_namespace || options.fix_services;
    if writes_defaults && !context.windows.pinned {
        return Err(PlanError::FamilyNotPinned(context.windows.label.clone()));
    }
    let mut plan = RepairPlan::new(&cs.control_set);
    // With --reset-namespace the namespace catalog is rebuilt once, not also edited by a mode.
    let namespace_by_mode = !options.reset_namespace;
    match options.mode {
        Some(Mode::Reset) => reset::plan(cs, context, options, &mut plan)?,
        Some(Mode::RemoveLsp) => {
            remove_lsp::plan(cs, context, &options.lsps, namespace_by_mode, &mut plan)?
        }
        Some(Mode::Fix) => fix::plan(cs, context.findings, namespace_by_mode, &mut plan)?,
        Some(Mode::Restore) => restore_from::plan(cs, context, &mut plan)?,
        None => {}
    }
    if options.reset_namespace && options.mode != Some(Mode::Reset) {
        namespace::reset(cs, context, &mut plan);
    }
    if options.fix_services {
        services::plan(cs, context, &mut plan);
    }
    Ok(plan)
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::Mode;
    use clap::ValueEnum;

    #[test]
    fn clap_and_json_use_the_names_of_as_str() {
        for mode in Mode::value_variants() {
            let value = mode.to_possible_value().unwrap();
            assert_eq!(value.get_name(), mode.as_str());
            assert_eq!(serde_json::to_value(mode).unwrap(), mode.as_str());
        }
    }
}
