//! The exit codes, in one place: ripgrep's 0/1/2, and 3 for a repair whose result failed its
//! own check.

/// What a run ended with, as its process exit code says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done; nothing wrong was found, or the asked repair was made.
    Success = 0,
    /// 1: the input was read and has problems (findings, a damaged structure).
    Problems = 1,
    /// 2: an error: an input could not be read, bad arguments, a refusal.
    Error = 2,
    /// 3: the repaired hive failed its own check, so nothing was written.
    CheckFailed = 3,
}

impl Exit {
    /// [`Exit::Problems`] when `found`, else [`Exit::Success`].
    pub fn problems_if(found: bool) -> Self {
        if found { Self::Problems } else { Self::Success }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        Self::from(exit as u8)
    }
}
