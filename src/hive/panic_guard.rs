//! Containment for panics inside nt-hive (and the `ntfs` crate, through [`contained`]). nt-hive 0.3.0 asserts instead of returning an error
//! in a few places a crafted hive can reach (a cell offset of 0xFFFFFFFF in a subkey leaf,
//! value list or value: `assert!(data_offset != u32::MAX)` in `cell_range_from_data_offset`).
//! Every call into nt-hive goes through [`guarded`], which turns such a panic into a
//! [`FormatError`]. [`quiet_contained_panics`] keeps the default panic message off stderr for
//! those panics only; panics anywhere else are reported as usual.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

use crate::error::FormatError;

thread_local! {
    static INSIDE_GUARD: Cell<bool> = const { Cell::new(false) };
}

static INSTALL_HOOK: Once = Once::new();

/// Run `read` (which calls nt-hive); a panic inside becomes an error about `what`.
pub fn guarded<T>(
    what: impl FnOnce() -> String,
    read: impl FnOnce() -> Result<T, FormatError>,
) -> Result<T, FormatError> {
    contained(read).unwrap_or_else(|detail| {
        Err(FormatError::new(format!(
            "{}: damaged hive structure (nt-hive: {detail})",
            what()
        )))
    })
}

/// Keep the default panic message off stderr for the panics [`contained`] catches; any other
/// panic is reported as before. A program calls this once at its start: the library sets no
/// panic hook itself, because a process's hook is its program's to choose.
pub fn quiet_contained_panics() {
    INSTALL_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !INSIDE_GUARD.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Run `run` (a call into a parsing crate that may panic on hostile input: nt-hive, ntfs);
/// a panic inside becomes `Err` with its message.
pub fn contained<T>(run: impl FnOnce() -> T) -> Result<T, String> {
    let outer = INSIDE_GUARD.replace(true);
    // The input bytes are immutable, and a caller drops what panicked, so nothing
    // half-changed is used after an unwind.
    let result = catch_unwind(AssertUnwindSafe(run));
    INSIDE_GUARD.set(outer);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_becomes_an_error_and_results_pass_through() {
        let err = guarded(
            || "key X".into(),
            || -> Result<(), FormatError> { panic!("boom") },
        )
        .unwrap_err();
        assert_eq!(err.message, "key X: damaged hive structure (nt-hive: boom)");
        assert_eq!(guarded(String::new, || Ok(5)), Ok(5));
        assert!(!INSIDE_GUARD.with(Cell::get));
    }
}
