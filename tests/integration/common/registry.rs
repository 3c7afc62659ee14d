//! How a module lists its tests for the harness (main.rs), with what each needs to run.

/// What a test needs beyond the crate and its bundled hives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    /// The real hives (`WINSOCK_DOCTOR_HIVES`, else `../shared/hives`): it calls `hives_dir`,
    /// `hive_path`, `read_hive` or a helper built on them.
    Hives,
}

/// One test function as the harness runs it.
#[derive(Clone, Copy)]
pub struct Test {
    pub name: &'static str,
    pub needs: Needs,
    pub run: fn(),
}

/// `register_tests! { Nothing: [a, b], Hives: [c, #[cfg(unix)] d] }` defines the module's
/// `TESTS`. A test function left out of the list is dead code: a warning, an error under
/// `cargo clippy --all-targets -- -D warnings` (CI).
macro_rules! register_tests {
    ($($needs:ident: [$($(#[$attr:meta])* $name:ident),* $(,)?]),* $(,)?) => {
        /// This module's tests, for the harness.
        pub const TESTS: &[$crate::common::registry::Test] = &[
            $($(
                $(#[$attr])*
                $crate::common::registry::Test {
                    name: stringify!($name),
                    needs: $crate::common::registry::Needs::$needs,
                    run: $name,
                },
            )*)*
        ];
    };
}
pub(crate) use register_tests;
