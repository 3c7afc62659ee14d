//! The repair pipeline: plan the repairs of each control set on the replayed hive, apply them to
//! one copy in memory, and check the result before anything is written. The caller decides what
//! becomes of the bytes (a dry run, a new file, an install); every one of them gets the same
//! plan and the same verdict.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, FormatError, Result};
use crate::hive::check::{CheckReport, Problem, check_hive};
use crate::hive::editor::Editor;
use crate::hive::image::HiveImage;
use crate::hive::reader::HiveReader;
use crate::hive::salvage::{Dropped, salvage};
use crate::input::{LogsReport, OpenedHive};
use crate::pipeline::open_target::Software;
use crate::pipeline::restore_source::load_source;
use crate::pipeline::scan::detect_windows;
use crate::volume::target::Target;
use crate::winsock::catalog::{ControlSetCatalogs, SystemCatalogs, read_system_catalogs};
use crate::winsock::default_catalog::default_transports;
use crate::winsock::diagnose::diagnose;
use crate::winsock::family::{Arch, Family};
use crate::winsock::findings::Finding;
use crate::winsock::hive_structure::{SHOWN, winsock_scopes};
use crate::winsock::repair::apply::apply;
use crate::winsock::repair::restore_from::restored_keys;
use crate::winsock::repair::{
    Context, Mode, PlanError, RepairOptions, RepairPlan, RestoreInputs, RestoreSource, plan,
};
use crate::winsock::services::read_transport;
use crate::winsock::windows_version::WindowsVersion;

/// What to repair, and how.
#[derive(Debug, Clone)]
pub struct RepairRequest {
    /// The repairs asked for.
    pub options: RepairOptions,
    /// Repair this control set instead of `Select\Current`.
    pub control_set: Option<u32>,
    /// Repair every other control set too.
    pub all_control_sets: bool,
    /// The SOFTWARE hive of the same machine, for the exact Windows version.
    pub software: Option<PathBuf>,
    /// The Windows version (and architecture) the user named, over what the hive suggests.
    pub windows: Option<(Family, Option<Arch>)>,
    /// FILETIME written as the last written time of the hive and of every key changed.
    pub timestamp: u64,
    /// Produce the hive even when nothing needs changing.
    pub always_write: bool,
    /// Rebuild the hive from everything readable before any repair (alone, or with repairs).
    pub salvage: bool,
}

impl RepairRequest {
    /// `options` on the selected control set, keys changed stamped with `timestamp`, the
    /// Windows version read from the hive; no salvage, and no hive when nothing changes.
    pub fn new(options: RepairOptions, timestamp: u64) -> Self {
        Self {
            options,
            control_set: None,
            all_control_sets: false,
            software: None,
            windows: None,
            timestamp,
            always_write: false,
            salvage: false,
        }
    }

    /// A repair of the catalogs was asked (a mode, `--reset-namespace` or `--fix-services`).
    fn repairs_asked(&self) -> bool {
        let options = &self.options;
        options.mode.is_some() || options.reset_namespace || options.fix_services
    }
}

/// `--salvage`: the hive was rebuilt from everything readable before any repair.
#[derive(Debug, Clone, Serialize)]
pub struct SalvageReport {
    /// Keys in the rebuilt hive, the root included.
    pub keys: u64,
    /// Values in the rebuilt hive.
    pub values: u64,
    /// How many parts were dropped (the list below is the same length).
    pub dropped_count: usize,
    /// Every key, list, value, class name or descriptor left out, with where and why.
    pub dropped: Vec<Dropped>,
}

/// The check of the repaired hive, read back from memory.
#[derive(Debug, Clone, Serialize)]
pub struct Verification {
    /// The full structural check passed it: nothing in the whole hive is broken.
    pub whole: bool,
    /// What the full structural check found wrong, the first few (empty when whole).
    pub structure_problems: Vec<Problem>,
    /// No critical or warning finding in the repaired control sets.
    pub healthy: bool,
    /// Problems the repair claimed to fix that are still there (the repair failed if any).
    pub unfixed: Vec<Finding>,
    /// Every finding of the repaired control sets, for the record.
    pub findings: Vec<Finding>,
}

impl Verification {
    /// Whether the repaired hive may be written.
    pub fn passed(&self) -> bool {
        self.whole && self.unfixed.is_empty()
    }
}

/// The repaired hive, not yet written anywhere.
pub struct Repaired {
    /// The whole new image: base block and hive bins.
    pub image: HiveImage,
    /// The check of the new image, read back from memory.
    pub verification: Verification,
}

impl Repaired {
    /// The bytes of the new hive file.
    pub fn bytes(&self) -> &[u8] {
        self.image.hive_bytes()
    }
}

/// What the repair pipeline found, planned and produced.
pub struct RepairOutcome {
    /// The input, read from its salvaged rebuild with `salvage`.
    pub hive: OpenedHive,
    /// What the salvage kept and dropped, with `salvage`.
    pub salvage: Option<SalvageReport>,
    /// The Windows version whose defaults the plans use.
    pub windows: WindowsVersion,
    /// Why a SOFTWARE hive found beside SYSTEM did not give the exact version.
    pub software_note: Option<String>,
    /// One plan per control set that changes; with `always_write`, the selected control set's
    /// plan even when it changes nothing.
    pub plans: Vec<RepairPlan>,
    /// `None` when no plan changes anything (and no hive was asked for regardless).
    pub repaired: Option<Repaired>,
}

/// Plan, apply and verify the repairs `request` asks for on `hive` (salvaged first when
/// asked). `target` is the volume or Windows folder TARGET resolved to (for the history a
/// restore's source is found in and the DLLs it names; `None` for a hive file or a disk image),
/// `software_beside` the SOFTWARE hive found beside SYSTEM.
pub fn repair(
    hive: OpenedHive,
    target: Option<&Target>,
    software_beside: Option<Software>,
    request: &RepairRequest,
) -> Result<RepairOutcome> {
    if !request.repairs_asked() && !request.salvage {
        return Err(PlanError::NothingAsked.into());
    }
    let (hive, salvage) = if request.salvage {
        let (hive, report) = salvaged(hive)?;
        (hive, Some(report))
    } else {
        (hive, None)
    };
    let catalogs = hive.catalogs(request.control_set, request.all_control_sets)?;
    let detected = detect_windows(
        &hive,
        &catalogs,
        request.software.as_deref(),
        software_beside,
    )?;
    let windows = match request.windows {
        Some((family, arch)) => detected.windows.as_named(family, arch),
        None => detected.windows,
    };
    // The full check of the input runs beside the planning and the copy the editor takes, which
    // do not depend on it; its verdict is read before anything they produced is used.
    let (check, prepared) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| check_hive(hive.image.hive_bytes()));
        let prepared = prepare(
            &hive,
            &catalogs,
            &windows,
            request,
            salvage.is_some(),
            target,
        );
        (joined(checking), prepared)
    });
    refuse_damage_outside(&hive, &catalogs, &check)?;
    let (plans, editor) = prepared?;
    let repaired = match editor {
        Some(mut editor) => {
            if check.is_whole() {
                editor.input_checked_whole();
            }
            Some(apply_and_verify(
                editor,
                hive.path(),
                &hive.logs,
                &windows,
                &plans,
                request,
            )?)
        }
        None => None,
    };
    Ok(RepairOutcome {
        hive,
        salvage,
        windows,
        software_note: detected.software_note,
        plans,
        repaired,
    })
}

/// The hive rebuilt from what is readable takes the place of the input's image for
/// everything that follows (plans, edits, the written file).
fn salvaged(hive: OpenedHive) -> Result<(OpenedHive, SalvageReport)> {
    let salvaged = salvage(hive.image.hive_bytes()).map_err(|e| Error::format(hive.path(), e))?;
    let report = SalvageReport {
        keys: salvaged.keys,
        values: salvaged.values,
        dropped_count: salvaged.dropped.len(),
        dropped: salvaged.dropped,
    };
    let image = HiveImage::from_vec(salvaged.bytes)
        .map_err(|e| Error::format(hive.path(), e.with_context("the salvaged hive")))?;
    Ok((hive.with_image(image), report))
}

/// A repair rewrites the Winsock keys, and the editor copies everything else as it is: damage
/// elsewhere would reach the output. Such a hive is refused before anything is planned, with
/// where the damage is and what to do instead.
fn refuse_damage_outside(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    report: &CheckReport,
) -> Result<()> {
    if report.is_whole() {
        return Ok(());
    }
    let scopes: Vec<String> = control_sets(catalogs)
        .flat_map(|cs| winsock_scopes(&cs.control_set))
        .collect();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    if report.all_within(&scopes) {
        return Ok(());
    }
    let first = report
        .outside(&scopes)
        .next()
        .map_or_else(String::new, |p| format!("; first: {p}"));
    Err(Error::Refused {
        path: hive.path().to_path_buf(),
        reason: format!(
            "the hive is structurally damaged outside the Winsock keys ({} problems{first}), \
             and a repair copies what it does not rewrite. `winsock-doctor check` lists every \
             problem; `repair --salvage` rebuilds the hive from everything readable (and reports \
             what it drops); or restore a backup or an older copy of the hive (RegBack)",
            report.problem_count
        ),
    })
}

/// The plans (none for `salvage` alone: the rebuilt hive is the output) and, when there is
/// something to write, the editor holding a copy of the hive to apply them to.
fn prepare(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    windows: &WindowsVersion,
    request: &RepairRequest,
    salvaged: bool,
    target: Option<&Target>,
) -> Result<(Vec<RepairPlan>, Option<Editor>)> {
    let source = match (&request.options.mode, &request.options.from) {
        (Some(Mode::Restore), Some(from)) => {
            Some(load_source(hive, catalogs, windows, target, from)?)
        }
        _ => None,
    };
    let plans = if request.repairs_asked() {
        plan_control_sets(hive, catalogs, windows, request, source.as_ref())?
    } else {
        Vec::new()
    };
    if plans.is_empty() && !salvaged {
        return Ok((plans, None));
    }
    let editor =
        Editor::open(hive.image.hive_bytes()).map_err(|e| Error::format(hive.path(), e))?;
    Ok((plans, Some(editor)))
}

/// The result of a scoped thread; a panic in it goes on in the caller.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// A plan for the chosen control set and, when asked, the others; those that change nothing
/// are left out.
fn plan_control_sets(
    hive: &OpenedHive,
    catalogs: &SystemCatalogs,
    windows: &WindowsVersion,
    request: &RepairRequest,
    source: Option<&RestoreSource>,
) -> Result<Vec<RepairPlan>> {
    let mut plans = Vec::new();
    for (index, cs) in control_sets(catalogs).enumerate() {
        let diagnosis = diagnose(cs, windows);
        let helper_keys = hive.read(|r| helper_keys(r, cs, windows))?;
        let restore = match source {
            Some(source) => Some(RestoreInputs {
                source,
                current: hive.read(|r| restored_keys(r, &cs.control_set))?,
                allow_other_windows: request.options.allow_other_windows,
            }),
            None => None,
        };
        let context = Context {
            windows,
            findings: &diagnosis.findings,
            helper_keys,
            restore,
        };
        match plan(cs, &context, &request.options) {
            Ok(p) if p.changes_anything() || (index == 0 && request.always_write) => plans.push(p),
            Ok(_) => {}
            // The other control sets need not hold the LSP the user named.
            Err(PlanError::NoSuchLsp(_)) if index > 0 => {}
            Err(source) => {
                return Err(Error::Plan {
                    control_set: Some(cs.control_set.clone()),
                    source,
                });
            }
        }
    }
    Ok(plans)
}

/// Apply every plan to one copy of the hive, then read the result back and check it.
fn apply_and_verify(
    mut editor: Editor,
    input_path: &Path,
    hive_logs: &LogsReport,
    windows: &WindowsVersion,
    plans: &[RepairPlan],
    request: &RepairRequest,
) -> Result<Repaired> {
    editor.set_timestamp(request.timestamp);
    editor.set_minimum_sequence(highest_log_sequence(hive_logs));
    for p in plans {
        apply(&mut editor, p).map_err(|e| {
            Error::format(
                input_path,
                FormatError::new(format!("cannot apply the repair of {}: {e}", p.control_set)),
            )
        })?;
    }
    let repaired_error = |e: FormatError| {
        Error::format(
            input_path,
            e.with_context("in the repaired hive, before writing it"),
        )
    };
    let image = HiveImage::from_vec(editor.finish()).map_err(repaired_error)?;
    let verification = verify(&image, windows, plans, request).map_err(repaired_error)?;
    Ok(Repaired {
        image,
        verification,
    })
}

/// The chosen control set, then the others (with `--all-control-sets`).
fn control_sets(catalogs: &SystemCatalogs) -> impl Iterator<Item = &ControlSetCatalogs> {
    std::iter::once(&catalogs.selected).chain(&catalogs.others)
}

/// The family's default transports whose `Services\<T>\Parameters\Winsock` key exists.
fn helper_keys(
    reader: &HiveReader<'_>,
    cs: &ControlSetCatalogs,
    windows: &WindowsVersion,
) -> Result<Vec<String>, FormatError> {
    let root = reader.root()?;
    let Some(services) = reader.open(&root, &format!(r"{}\Services", cs.control_set))? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for name in default_transports(windows.family) {
        if read_transport(reader, &services, name).is_ok_and(|t| t.present) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// The highest sequence number the replayed logs carried: the output must be above it.
fn highest_log_sequence(logs: &LogsReport) -> u32 {
    logs.replay
        .applied
        .iter()
        .filter_map(|a| a.last_sequence)
        .chain(logs.replay.sequence)
        .max()
        .unwrap_or(0)
}

/// Read the repaired image back (as a new reader would) and diagnose the repaired control sets.
fn verify(
    image: &HiveImage,
    windows: &WindowsVersion,
    plans: &[RepairPlan],
    request: &RepairRequest,
) -> Result<Verification, FormatError> {
    // The full check and the read-back are independent: one each per core.
    let (structure, after) = std::thread::scope(|scope| {
        let checking = scope.spawn(|| check_hive(image.hive_bytes()));
        let after = image.nt_hive().and_then(|hive| {
            let reader = HiveReader::new(&hive, image.hive_bytes());
            read_system_catalogs(&reader, request.control_set, request.all_control_sets)
        });
        (joined(checking), after)
    });
    let after = after?;
    let mut findings = Vec::new();
    let mut unfixed = Vec::new();
    for p in plans {
        let Some(cs) = control_sets(&after).find(|cs| cs.control_set == p.control_set) else {
            continue;
        };
        let diagnosis = diagnose(cs, windows);
        unfixed.extend(p.unfixed(&diagnosis.findings).into_iter().cloned());
        findings.extend(diagnosis.findings);
    }
    Ok(Verification {
        whole: structure.is_whole(),
        structure_problems: structure.problems.into_iter().take(SHOWN).collect(),
        healthy: !findings.iter().any(|f| f.is_problem()),
        unfixed,
        findings,
    })
}
