//! The verdicts of a batch, counted as hives finish: nothing per hive is kept but its codes'
//! contribution to the counts.

use std::collections::BTreeMap;

use crate::exit::Exit;
use crate::winsock::findings::Severity;

/// How one hive came out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Healthy {
        codes: Vec<(&'static str, Severity)>,
    },
    Problems {
        codes: Vec<(&'static str, Severity)>,
    },
    /// No problem in what was read, but the hive is dirty and no log could be applied: its
    /// latest changes may be missing, so it is not known healthy.
    Incomplete {
        codes: Vec<(&'static str, Severity)>,
    },
    Unreadable,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub hives: usize,
    pub healthy: usize,
    pub with_problems: usize,
    /// Healthy in what was read, dirty without its logs.
    pub incomplete: usize,
    pub unreadable: usize,
    /// Finding code -> (its severity, how many hives have it).
    pub by_code: BTreeMap<&'static str, (Severity, usize)>,
}

impl Tally {
    pub fn add(&mut self, verdict: &Verdict) {
        self.hives += 1;
        let codes = match verdict {
            Verdict::Healthy { codes } => {
                self.healthy += 1;
                codes
            }
            Verdict::Problems { codes } => {
                self.with_problems += 1;
                codes
            }
            Verdict::Incomplete { codes } => {
                self.incomplete += 1;
                codes
            }
            Verdict::Unreadable => {
                self.unreadable += 1;
                return;
            }
        };
        let mut seen: Vec<&'static str> = Vec::new();
        for &(code, severity) in codes {
            if seen.contains(&code) {
                continue;
            }
            seen.push(code);
            let counted = self.by_code.entry(code).or_insert((severity, 0));
            counted.0 = counted.0.max(severity);
            counted.1 += 1;
        }
    }

    /// An error if any hive could not be read, else problems if any has them.
    pub fn exit(&self) -> Exit {
        if self.unreadable > 0 {
            Exit::Error
        } else {
            Exit::problems_if(self.with_problems > 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_each_code_once_per_hive_and_picks_the_exit_code() {
        let mut tally = Tally::default();
        tally.add(&Verdict::Healthy { codes: vec![] });
        assert_eq!(tally.exit(), Exit::Success);
        let codes = vec![
            ("catalog_gap", Severity::Critical),
            ("catalog_gap", Severity::Critical),
            ("lsp_installed", Severity::Warning),
        ];
        tally.add(&Verdict::Problems {
            codes: codes.clone(),
        });
        tally.add(&Verdict::Problems { codes });
        assert_eq!(tally.by_code["catalog_gap"], (Severity::Critical, 2));
        assert_eq!(tally.exit(), Exit::Problems);
        tally.add(&Verdict::Incomplete { codes: vec![] });
        assert_eq!(tally.exit(), Exit::Problems);
        tally.add(&Verdict::Unreadable);
        assert_eq!(
            (
                tally.hives,
                tally.healthy,
                tally.with_problems,
                tally.incomplete,
                tally.unreadable
            ),
            (5, 1, 2, 1, 1)
        );
        assert_eq!(tally.exit(), Exit::Error);
    }
}
