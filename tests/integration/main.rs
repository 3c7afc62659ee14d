//! The integration tests, one binary (a binary per file linked the whole crate each time, slow on
//! two cores). Each module lists its tests with `register_tests!`; they run under libtest-mimic,
//! which takes libtest's arguments (filters, `--list`, `--exact`, `--ignored`, `--test-threads`).

use std::process::ExitCode;

use libtest_mimic::{Arguments, Trial};

mod common;

use common::registry::{Needs, Test};

/// Declare the test modules and collect their tests as `module::test`.
macro_rules! test_modules {
    ($($(#[$attr:meta])* $module:ident),* $(,)?) => {
        $($(#[$attr])* mod $module;)*

        fn all_tests() -> Vec<(&'static str, Test)> {
            let mut all = Vec::new();
            $(
                $(#[$attr])*
                all.extend($module::TESTS.iter().map(|test| (stringify!($module), *test)));
            )*
            all
        }
    };
}

test_modules! {
    broken_pipe,
    bundled_hives,
    catalog_hostile_inputs,
    catalog_real_hives,
    crafted_hives,
    crafted_images,
    disk_images,
    editor_hostile,
    editor_model,
    editor_peers,
    editor_untouched,
    evidence_untouched,
    examples,
    export_reg,
    fleet_batch,
    fleet_hostile,
    generated_docs,
    install_restore,
    loader_verdicts,
    packed_item_real,
    #[cfg(unix)] path_names,
    repair_exhausted_ids,
    repair_faults,
    repair_history,
    repair_lsp,
    repair_mutations,
    repair_real_hives,
    repair_restore,
    repair_salvage,
    replay,
    replay_cli,
    robustness_doc,
    run_facts,
    scan_faults,
    scan_real_hives,
    #[cfg(unix)] special_files,
    structure_check,
    timeline_lsp,
    #[cfg(unix)] truncated_input,
    velociraptor_artifact,
    volume,
    #[cfg(unix)] volume_links,
    widths,
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let trials = all_tests()
        .into_iter()
        .map(|(module, test)| trial(module, test))
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// `test` as libtest-mimic runs it, named `module::test`, its kind saying what it needs
/// (`[hives]` before its name in the output).
fn trial(module: &str, test: Test) -> Trial {
    let kind = match test.needs {
        Needs::Nothing => "",
        Needs::Hives => "hives",
    };
    Trial::test(format!("{module}::{}", test.name), move || {
        (test.run)();
        Ok(())
    })
    .with_kind(kind)
}
