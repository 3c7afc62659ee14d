//! What to run after a scan: the one `repair` command that fixes together everything a repair
//! can fix (one `--mode`, every flag), the alternatives with what each keeps or drops, what no
//! registry repair fixes, and what to do when no repair can write this hive.

use serde::Serialize;

use crate::winsock::family::{Arch, Family};
use crate::winsock::findings::Finding;
use crate::winsock::repair::Mode;
use crate::winsock::windows_version::WindowsVersion;

/// The suggestion, as commands to copy (OUT is the file to write).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WhatToRun {
    /// The one command; `None` when no repair applies or none can be named.
    pub command: Option<String>,
    /// Other commands instead of `command`, each with what it keeps or drops.
    pub alternatives: Vec<Alternative>,
    /// Problems no registry repair fixes (system files), and what fixes them.
    pub outside_the_registry: Vec<String>,
    /// What to do next or instead, when `command` is not the whole story.
    pub then: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alternative {
    pub command: String,
    /// What it keeps or drops compared with `command`.
    pub what: String,
}

/// Where the repair goes: a hive file (`--out OUT`) or, for a volume or Windows folder, back
/// into the installation (`--install`, with a backup `restore` can put back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    Copy,
    Install,
}

/// The suggestion for `problems` (critical and warning findings) of a hive whose Windows is
/// `windows`; `target` is TARGET as it is to be typed (quoted when needed).
pub fn what_to_run(
    problems: &[&Finding],
    windows: &WindowsVersion,
    target: &str,
    destination: Destination,
) -> WhatToRun {
    let mut out = WhatToRun::default();
    for finding in problems {
        let repair = &finding.repair;
        if repair.mode.is_some() || !repair.options.is_empty() {
            continue;
        }
        let step = match &repair.command {
            Some(command) => format!("{command} ({})", finding.code.as_str()),
            None => format!("{}: {}", finding.code.as_str(), repair.note),
        };
        if !out.outside_the_registry.contains(&step) {
            out.outside_the_registry.push(step);
        }
    }
    let has_option = |o: &str| problems.iter().any(|f| f.repair.options.contains(&o));
    if has_option("--salvage") {
        out.command = Some(format!(
            "winsock-doctor repair {target} --salvage --out OUT"
        ));
        out.then = Some(
            "scan OUT: the other repairs refuse this hive until it is whole; or restore the \
             hive from a backup (RegBack, a restore point)"
                .into(),
        );
        return out;
    }
    let has_mode = |m: Mode| problems.iter().any(|f| f.repair.mode == Some(m));
    let (reset, remove_lsp, fix) = (
        has_mode(Mode::Reset),
        has_mode(Mode::RemoveLsp),
        has_mode(Mode::Fix),
    );
    let flags: Vec<&str> = ["--reset-namespace", "--fix-services"]
        .into_iter()
        .filter(|o| has_option(o))
        .collect();
    // One --mode per run: reset covers what remove-lsp and fix do (it rebuilds the catalog).
    let mode = match (reset, remove_lsp, fix) {
        (true, ..) | (false, true, true) => Some(Mode::Reset),
        (false, true, false) => Some(Mode::RemoveLsp),
        (false, false, true) => Some(Mode::Fix),
        (false, false, false) => None,
    };
    if mode.is_none() && flags.is_empty() {
        return out;
    }
    let writes_defaults = mode == Some(Mode::Reset) || !flags.is_empty();
    let pin = if writes_defaults && !windows.pinned {
        match pin_arguments(windows) {
            Some(pin) => {
                out.then = Some(format!(
                    "the hive does not pin its Windows version: {pin} names the one scan \
                     inferred ({}); correct it if the machine is another, or give --software \
                     SOFTWARE",
                    windows.label
                ));
                Some(pin)
            }
            None => {
                out.then = Some(format!(
                    "a repair that writes the Windows defaults needs the Windows version, which \
                     this hive does not tell: add --windows nt4|xp|vista7|8|10 --arch \
                     x86|amd64 (or --software SOFTWARE) to: {}",
                    command(target, mode, &flags, None, destination)
                ));
                return out;
            }
        }
    } else {
        None
    };
    out.command = Some(command(target, mode, &flags, pin.as_deref(), destination));
    // A reset alternative writes the defaults too: it needs the version pinned as well.
    let alternative = |mode: Mode, what: &str| {
        let pin = match (mode, &pin) {
            (_, Some(pin)) => Some(pin.clone()),
            (Mode::Reset, None) if !windows.pinned => Some(pin_arguments(windows)?),
            _ => None,
        };
        Some(Alternative {
            command: command(target, Some(mode), &flags, pin.as_deref(), destination),
            what: what.to_string(),
        })
    };
    match (reset, remove_lsp, fix) {
        (false, true, true) => out.alternatives.extend(alternative(
            Mode::RemoveLsp,
            "keeps third-party base providers and the rest of the catalog as it is; then \
             scan OUT and run --mode fix on it for the numbering",
        )),
        (false, true, false) => out.alternatives.extend(alternative(
            Mode::Reset,
            "also drops third-party base providers: rebuilds the protocol catalog from the \
             Windows defaults, as netsh winsock reset does",
        )),
        (false, false, true) => out.alternatives.extend(alternative(
            Mode::Reset,
            "rebuilds the catalog from the Windows defaults instead of renumbering it: drops \
             every third-party and layered provider",
        )),
        _ => {}
    }
    out
}

/// The command that removes the layered providers of `target` and nothing else.
pub fn remove_lsp_command(target: &str, destination: Destination) -> String {
    command(target, Some(Mode::RemoveLsp), &[], None, destination)
}

fn command(
    target: &str,
    mode: Option<Mode>,
    flags: &[&str],
    pin: Option<&str>,
    destination: Destination,
) -> String {
    let mut parts = vec![format!("winsock-doctor repair {target}")];
    if let Some(mode) = mode {
        parts.push(format!("--mode {mode}"));
    }
    parts.extend(flags.iter().map(|f| f.to_string()));
    parts.extend(pin.map(str::to_string));
    parts.push(
        match destination {
            Destination::Copy => "--out OUT",
            Destination::Install => "--install",
        }
        .into(),
    );
    parts.join(" ")
}

/// `--windows F --arch A` for the family and processor scan inferred, when it inferred both.
fn pin_arguments(windows: &WindowsVersion) -> Option<String> {
    let family = match windows.family {
        Family::Nt4 => "nt4",
        Family::Xp2003 => "xp",
        Family::Vista7 => "vista7",
        Family::Win881 => "8",
        Family::Win1011 => "10",
        Family::Unknown => return None,
    };
    let arch = match windows.arch {
        Arch::X86 => "x86",
        Arch::Amd64 => "amd64",
        Arch::Arm64 => "arm64",
        Arch::Ia64 | Arch::Unknown => return None,
    };
    Some(format!("--windows {family} --arch {arch}"))
}
