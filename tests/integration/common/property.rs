//! Property tests as plain functions the harness runs, set up the way proptest's `proptest!`
//! macro sets up its runner.

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Check `test` on `cases` values of `strategy`. Seeds of past failures are replayed first from,
/// and new ones saved to, `<caller's source>.proptest-regressions` beside the caller (proptest's
/// default would pick a `proptest-regressions/` folder beside main.rs). Panics with the minimal
/// failing input.
#[track_caller]
pub fn check<S: Strategy>(
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    let config = Config {
        cases,
        source_file: Some(std::panic::Location::caller().file()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    if let Err(failure) = runner.run(&strategy, test) {
        panic!("{failure}\n{runner}");
    }
}
