//! A repair plan: the edits that turn the hive's Winsock keys into the repaired ones, each with
//! what was there before, and the providers taken out (kept whole so they can be reinstalled).
//! Built by comparing the wanted state of a key or an entry list with what the model read, so
//! only what really changes is edited and reported.

use serde::Serialize;

use crate::hive::value::{RawValue, hex, key_at_or_below, names_equal};
use crate::winsock::catalog::PACKED_CATALOG_ITEM;
use crate::winsock::catalog_diff::CatalogDiff;
use crate::winsock::findings::{Code, Finding};
use crate::winsock::namespace_entry::NamespaceProvider;
use crate::winsock::packed_item::PackedCatalogItem;

/// One change to the hive. Key paths are from the hive root (`ControlSet001\Services\...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Edit {
    CreateKey {
        key: String,
    },
    /// Deletes the key with everything below it; `values` are what it held.
    DeleteKey {
        key: String,
        values: Vec<RawValue>,
        subkeys: Vec<String>,
    },
    SetValue {
        key: String,
        before: Option<RawValue>,
        after: RawValue,
    },
    DeleteValue {
        key: String,
        before: RawValue,
    },
}

/// A provider the repair takes out, with everything needed to put it back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemovedProvider {
    /// `ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries\000000000003`.
    pub key: String,
    /// Why it goes.
    pub reason: String,
    /// The protocol entry's decoded fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_entry: Option<PackedCatalogItem>,
    /// The PackedCatalogItem bytes as stored, in hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packed_catalog_item_hex: Option<String>,
    /// The namespace entry's decoded values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_entry: Option<NamespaceProvider>,
    /// Every value of the key as stored.
    pub values: Vec<RawValue>,
}

/// What a repair will do to one control set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RepairPlan {
    /// The control set repaired, e.g. `ControlSet001`.
    pub control_set: String,
    /// The keys and values to create, change or delete, in order.
    pub edits: Vec<Edit>,
    /// The providers whose entries the plan deletes.
    pub removed_providers: Vec<RemovedProvider>,
    /// The findings of the input this plan repairs: none of them may remain afterwards.
    pub fixes: Vec<Claim>,
    /// What the technician should know (what could not be repaired offline, what was kept).
    pub notes: Vec<String>,
    /// `--mode restore`: the source and what putting it back costs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore: Option<RestoreReport>,
}

impl RepairPlan {
    /// A plan that changes nothing yet.
    pub fn new(control_set: &str) -> Self {
        Self {
            control_set: control_set.to_string(),
            edits: Vec::new(),
            removed_providers: Vec::new(),
            fixes: Vec::new(),
            notes: Vec::new(),
            restore: None,
        }
    }

    /// Whether the plan changes anything besides the catalogs' change counters.
    pub fn changes_anything(&self) -> bool {
        self.edits.iter().any(|e| match e {
            // A bumped serial number alone is no change, unless the old one broke loading (0, or
            // not a DWORD).
            Edit::SetValue { before, after, .. } => {
                !after.is_named(SERIAL_ACCESS_NUM)
                    || before
                        .as_ref()
                        .is_some_and(|b| b.as_dword().is_none_or(|s| s == 0))
            }
            _ => true,
        })
    }

    /// Claim the problems of `findings` with one of `codes` at or below `scope` (a key path
    /// from the control set, as findings name keys).
    pub fn claim(&mut self, findings: &[Finding], codes: &[Code], scope: &str) {
        self.claim_in(findings, codes, scope, false);
    }

    /// Like [`RepairPlan::claim`], for problems at `key` itself only.
    pub fn claim_exact(&mut self, findings: &[Finding], codes: &[Code], key: &str) {
        self.claim_in(findings, codes, key, true);
    }

    fn claim_in(&mut self, findings: &[Finding], codes: &[Code], scope: &str, exact: bool) {
        for finding in findings.iter().filter(|f| f.is_problem()) {
            let claim = Claim {
                code: finding.code,
                scope: scope.to_string(),
                exact,
            };
            if codes.contains(&finding.code)
                && claim.covers(finding)
                && !self.fixes.contains(&claim)
            {
                self.fixes.push(claim);
            }
        }
    }

    /// The problems in `findings` (of the repaired hive) that this plan claimed to fix.
    pub fn unfixed<'f>(&self, findings: &'f [Finding]) -> Vec<&'f Finding> {
        findings
            .iter()
            .filter(|f| {
                f.is_problem() && self.fixes.iter().any(|c| c.code == f.code && c.covers(f))
            })
            .collect()
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn create_key(&mut self, key: &str) {
        self.edits.push(Edit::CreateKey {
            key: key.to_string(),
        });
    }

    pub fn delete_key(&mut self, key: &str, values: &[RawValue], subkeys: &[String]) {
        self.edits.push(Edit::DeleteKey {
            key: key.to_string(),
            values: values.to_vec(),
            subkeys: subkeys.to_vec(),
        });
    }

    /// Set `wanted` unless `current` (the key's values) already holds it, type and data.
    pub fn set(&mut self, key: &str, current: &[RawValue], wanted: RawValue) {
        let before = current.iter().find(|v| names_equal(&v.name, &wanted.name));
        if before.is_some_and(|b| b.data_type == wanted.data_type && b.data == wanted.data) {
            return;
        }
        self.edits.push(Edit::SetValue {
            key: key.to_string(),
            before: before.cloned(),
            after: wanted,
        });
    }

    /// Make the values of `key` exactly `wanted`: set what differs, delete what is not wanted.
    pub fn values(&mut self, key: &str, current: &[RawValue], wanted: &[RawValue]) {
        for value in wanted {
            self.set(key, current, value.clone());
        }
        for value in current {
            if !wanted.iter().any(|w| names_equal(&w.name, &value.name)) {
                self.edits.push(Edit::DeleteValue {
                    key: key.to_string(),
                    before: value.clone(),
                });
            }
        }
    }

    /// Make the entry list at `list_key` hold exactly `wanted`, as keys `000000000001`...:
    /// reuse the keys of `current` (name and values), create what is missing, delete the
    /// current keys that are not reused. `exists`: whether the list key itself exists.
    pub fn entries(
        &mut self,
        list_key: &str,
        exists: bool,
        current: &[CurrentEntry<'_>],
        wanted: &[Vec<RawValue>],
    ) {
        if !exists {
            self.create_key(list_key);
        }
        for (position, values) in wanted.iter().enumerate() {
            let name = entry_key_name(position + 1);
            let key = format!(r"{list_key}\{name}");
            match current.iter().find(|c| names_equal(c.name, &name)) {
                Some(found) => self.values(&key, found.values, values),
                None => {
                    self.create_key(&key);
                    self.values(&key, &[], values);
                }
            }
        }
        for entry in current {
            let reused = (1..=wanted.len()).any(|p| names_equal(entry.name, &entry_key_name(p)));
            if !reused {
                self.delete_key(
                    &format!(r"{list_key}\{}", entry.name),
                    entry.values,
                    entry.subkeys,
                );
            }
        }
    }

    /// Record a protocol entry taken out.
    pub fn removed_protocol(&mut self, key: String, reason: impl Into<String>, entry: Removed<'_>) {
        self.removed_providers.push(RemovedProvider {
            key,
            reason: reason.into(),
            protocol_entry: entry.item.cloned(),
            packed_catalog_item_hex: entry.raw.map(hex),
            namespace_entry: None,
            values: entry.values.to_vec(),
        });
    }

    /// Record a namespace entry taken out.
    pub fn removed_namespace(
        &mut self,
        key: String,
        reason: impl Into<String>,
        provider: &NamespaceProvider,
        values: &[RawValue],
    ) {
        self.removed_providers.push(RemovedProvider {
            key,
            reason: reason.into(),
            protocol_entry: None,
            packed_catalog_item_hex: None,
            namespace_entry: Some(provider.clone()),
            values: values.to_vec(),
        });
    }
}

/// A kind of problem the plan fixes in one part of the Winsock keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Claim {
    pub code: Code,
    /// The key (from the control set) at or below which no such problem may remain.
    pub scope: String,
    /// Only at `scope` itself, not below.
    pub exact: bool,
}

impl Claim {
    fn covers(&self, finding: &Finding) -> bool {
        if self.exact {
            finding.key.eq_ignore_ascii_case(&self.scope)
        } else {
            key_at_or_below(&finding.key, &self.scope)
        }
    }
}

/// What a removed protocol entry held.
pub struct Removed<'a> {
    pub item: Option<&'a PackedCatalogItem>,
    pub raw: Option<&'a [u8]>,
    pub values: &'a [RawValue],
}

/// An entry key as it is now.
#[derive(Debug, Clone, Copy)]
pub struct CurrentEntry<'a> {
    pub name: &'a str,
    pub values: &'a [RawValue],
    pub subkeys: &'a [String],
}

pub const SERIAL_ACCESS_NUM: &str = "Serial_Access_Num";

/// `000000000007` for position 7 (ws2_32's `%012lu`).
pub fn entry_key_name(position: usize) -> String {
    format!("{position:012}")
}

/// A value in a few words, for the table of edits: strings and numbers as such, a
/// PackedCatalogItem decoded (here, so that the printer does not parse).
pub fn value_summary(value: &RawValue) -> String {
    if let Some(text) = value.as_string() {
        // As stored: no escapes (a Debug string would double every backslash).
        return format!("\"{text}\"");
    }
    if let Some(number) = value.as_dword() {
        return number.to_string();
    }
    if let Some(list) = value.as_multi_string() {
        return list.join(", ");
    }
    if value.is_named(PACKED_CATALOG_ITEM) {
        if let Ok(item) = PackedCatalogItem::decode(&value.data) {
            return format!(
                "ID {} ChainLen {} \"{}\"",
                item.catalog_entry_id, item.chain_len, item.sz_protocol
            );
        }
    }
    let head = value
        .data
        .get(..value.data.len().min(16))
        .unwrap_or_default();
    format!("{} bytes {}", value.data.len(), hex(head))
}

#[cfg(test)]
impl RepairPlan {
    /// The keys the plan deletes, in order: what the planners' tests check.
    pub(crate) fn deleted_keys(&self) -> Vec<&str> {
        self.edits
            .iter()
            .filter_map(|e| match e {
                Edit::DeleteKey { key, .. } => Some(key.as_str()),
                _ => None,
            })
            .collect()
    }
}

/// What the restore costs and where it came from, for the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreReport {
    pub source: String,
    pub source_windows: String,
    /// Why the source's Windows differs from the repaired one (restored with
    /// `--allow-other-windows`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_windows: Option<String>,
    /// The providers and transports the restore adds, removes and changes.
    pub catalogs: CatalogDiff,
    /// Provider DLLs the source names that are missing on the volume.
    pub missing_dlls: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str) -> Vec<RawValue> {
        vec![
            RawValue::dword("Id", name.len() as u32),
            RawValue::binary("Name", name.as_bytes()),
        ]
    }

    #[test]
    fn entries_reuse_keys_and_only_edit_what_differs() {
        let (a, b, c) = (entry("a"), entry("bb"), entry("ccc"));
        let names = ["000000000001", "000000000002", "000000000003"];
        let current: Vec<CurrentEntry<'_>> = names
            .iter()
            .zip([&a, &b, &c])
            .map(|(name, values)| CurrentEntry {
                name,
                values,
                subkeys: &[],
            })
            .collect();
        let mut plan = RepairPlan::new("ControlSet001");
        // Drop the first: b and c move up one key, key 3 goes.
        plan.entries("L", true, &current, &[b.clone(), c.clone()]);
        let deleted = plan.deleted_keys();
        assert_eq!(deleted, [r"L\000000000003"]);
        assert_eq!(
            plan.edits
                .iter()
                .filter(|e| matches!(e, Edit::SetValue { .. }))
                .count(),
            4
        );
        assert!(
            !plan
                .edits
                .iter()
                .any(|e| matches!(e, Edit::CreateKey { .. }))
        );

        let mut same = RepairPlan::new("ControlSet001");
        same.entries("L", true, &current, &[a.clone(), b.clone(), c.clone()]);
        assert!(same.edits.is_empty());
        assert!(!same.changes_anything());
    }
}
