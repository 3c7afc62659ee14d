//! Many hives at once: finding SYSTEM hives in collections, naming their hosts, and tallying
//! the verdicts of a batch.

pub mod find_hives;
pub mod host;
pub mod tally;
