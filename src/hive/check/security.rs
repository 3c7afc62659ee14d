//! Security cells: every key names an allocated `sk` record; the records form one ring through
//! their flink and blink fields; each record's reference count is the number of keys that use
//! it. Security cells are the only cells keys share.

use std::collections::HashSet;

use super::cells::data_offset;
use super::problem::ProblemKind;
use super::walk::{SecurityUse, Walker};
use crate::hive::security::KeySecurity;

impl Walker<'_> {
    /// Note that `key` uses the security cell at `sk`, once it is known to be one.
    pub(super) fn note_security(&mut self, key: u32, sk: u32) {
        self.refer(key, sk);
        if let Some(found) = self.security.get_mut(&sk) {
            found.keys = found.keys.saturating_add(1);
            return;
        }
        let Some(data) = self.cell_data(key, sk, || "security cell".to_string()) else {
            return;
        };
        if let Err(e) = KeySecurity::parse(data, data_offset(sk)) {
            return self.bad_record(ProblemKind::Security, key, e);
        }
        self.security.insert(
            sk,
            SecurityUse {
                keys: 1,
                first_key: key,
            },
        );
    }

    /// After the walk: reference counts, and the ring of security cells from the root's.
    pub(super) fn check_security_list(&mut self) {
        let used: Vec<(u32, SecurityUse)> = self.security.iter().map(|(&k, &v)| (k, v)).collect();
        for &(sk, usage) in &used {
            let record = self.record(sk);
            if record.reference_count != usage.keys {
                // Below: freeing on the last key's deletion would leave keys on a freed cell.
                // Above: a leak Windows tolerates, but strict readers refuse it.
                self.report(
                    ProblemKind::Security,
                    usage.first_key,
                    data_offset(sk) + 12,
                    format!(
                        "expected the reference count to equal the {} keys using this \
                         security cell, found {}",
                        usage.keys, record.reference_count
                    ),
                );
            }
        }
        let Some(&(start, usage)) = used.iter().find(|(_, u)| u.first_key == self.root) else {
            return; // the root's own security cell is broken, and reported
        };
        let ring = self.ring(start, usage.first_key);
        for (sk, usage) in used {
            if !ring.contains(&sk) {
                self.report(
                    ProblemKind::Security,
                    usage.first_key,
                    data_offset(sk) + 4,
                    "expected the security cell on the list of security cells that starts at \
                     the root's, it is not"
                        .to_string(),
                );
            }
        }
    }

    /// The security cells on the ring from `start`, following flink; a broken link ends it.
    fn ring(&mut self, start: u32, owner: u32) -> HashSet<u32> {
        let mut ring = HashSet::from([start]);
        let mut at = start;
        loop {
            let next = self.record(at).flink;
            let what = || format!("flink of the security cell at {:#x}", data_offset(at));
            let Some(data) = self.cell_data(owner, next, what) else {
                return ring;
            };
            let record = match KeySecurity::parse(data, data_offset(next)) {
                Ok((record, _)) => record,
                Err(e) => {
                    self.bad_record(ProblemKind::Security, owner, e);
                    return ring;
                }
            };
            if record.blink != at {
                self.report(
                    ProblemKind::Security,
                    owner,
                    data_offset(next) + 8,
                    format!(
                        "expected the blink of the security cell to name the previous one \
                         ({:#x}), found {:#x}",
                        at, record.blink
                    ),
                );
            }
            if next == start || !ring.insert(next) {
                if next != start {
                    self.report(
                        ProblemKind::Security,
                        owner,
                        data_offset(at) + 4,
                        "expected the list of security cells to come back to the root's, it \
                         loops elsewhere"
                            .to_string(),
                    );
                }
                return ring;
            }
            at = next;
        }
    }

    /// The header of the security cell at `sk`, known to parse.
    fn record(&self, sk: u32) -> KeySecurity {
        self.cells
            .data(sk)
            .ok()
            .and_then(|data| KeySecurity::parse(data, 0).ok())
            .map(|(record, _)| record)
            .unwrap_or_default()
    }
}
