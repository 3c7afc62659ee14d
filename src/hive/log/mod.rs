//! Transaction logs. Only discovery is on this branch; the parsing and replay modules live on
//! `main` and replace this file when the branches meet.

pub mod discover;

pub use discover::{discover_logs, open_logs};
