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
    snapshots,
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
    // Without the real hives, the tests needing them are ignored, so the summary counts them;
    // CI requires the hives, so there they run (and fail if the hives are missing).
    let skip_hives = !common::hives_found() && !common::hives_required();
    let trials = all_tests()
        .into_iter()
        .map(|(module, test)| trial(module, test, skip_hives))
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if skip_hives && conclusion.num_ignored > 0 {
        println!(
            "{} ignored: they need the real hives, not found at {}. Set \
             WINSOCK_DOCTOR_HIVES to the folder holding manifest.json to run them; \
             WINSOCK_DOCTOR_REQUIRE_HIVES=1 (as CI does) makes their absence a failure.\n",
            conclusion.num_ignored,
            common::hives_location().display()
        );
    }
    conclusion.exit_code()
}

/// The kind shown before the name of a test needing the real hives: `[hives] module::test`.
const HIVES: &str = "hives";

/// `test` as libtest-mimic runs it, named `module::test`; ignored when it needs the real hives
/// and `skip_hives`.
fn trial(module: &str, test: Test, skip_hives: bool) -> Trial {
    let (kind, ignored) = match test.needs {
        Needs::Nothing => ("", false),
        Needs::Hives => (HIVES, skip_hives),
    };
    Trial::test(format!("{module}::{}", test.name), move || {
        (test.run)();
        Ok(())
    })
    .with_kind(kind)
    .with_ignored_flag(ignored)
}
