//! The pipelines: what `scan` and `repair` do, from a target to a result, callable by other
//! programs. The command line only turns arguments into these options and prints the results.

pub mod repair;
pub mod scan;
