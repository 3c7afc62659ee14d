//! Transaction logs: finding them, reading them (old `DIRT` and new `HvLE` formats) and
//! replaying them onto a dirty hive in memory.

pub mod describe;
pub mod discover;
pub mod header;
pub mod marvin32;
pub mod new_format;
pub mod old_format;
pub mod replay;

pub use describe::{LogDescription, describe_log};
pub use discover::{discover_logs, open_logs};
pub use header::{LogFormat, LogHeader};
pub use replay::{LogFile, Replay, ReplayReport, replay};
