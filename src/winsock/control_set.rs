//! Which `ControlSetNNN` holds the configuration: `Select\Current` (what Windows boots with),
//! unless the user asks for a number. An offline hive has no `CurrentControlSet` link.

use serde::Serialize;

use crate::error::FormatError;
use crate::hive::reader::{HiveReader, Key};
use crate::hive::value::find;

/// The values of the root `Select` key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Select {
    pub current: Option<u32>,
    pub default: Option<u32>,
    pub last_known_good: Option<u32>,
    pub failed: Option<u32>,
}

/// How the control set was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// `--control-set N`.
    Requested,
    /// `Select\Current`.
    SelectCurrent,
    /// `Select\Current` missing or pointing nowhere; `Select\Default` used.
    SelectDefault,
    /// Neither points at an existing control set; the lowest-numbered one used.
    LowestPresent,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlSetChoice {
    pub name: String,
    pub number: u32,
    pub chosen_by: ChosenBy,
}

/// `ControlSet001` for 1.
pub fn control_set_name(number: u32) -> String {
    format!("ControlSet{number:03}")
}

/// 1 for `ControlSet001` (any letter case, exactly three digits).
pub fn control_set_number(name: &str) -> Option<u32> {
    let prefix = name.get(..10)?;
    let digits = name.get(10..)?;
    (prefix.eq_ignore_ascii_case("ControlSet")
        && digits.len() == 3
        && digits.bytes().all(|b| b.is_ascii_digit()))
    .then(|| digits.parse().ok())
    .flatten()
}

/// Why no control set can be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error("{requested} does not exist; the hive has {}", list(.present))]
    RequestedMissing {
        requested: String,
        present: Vec<u32>,
    },
    #[error("no ControlSetNNN key under the root: not a SYSTEM hive, or its root is damaged")]
    NoneExists,
}

fn list(present: &[u32]) -> String {
    present
        .iter()
        .map(|&n| control_set_name(n))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Choose among the `present` control set numbers.
pub fn choose(
    select: &Select,
    present: &[u32],
    requested: Option<u32>,
) -> Result<ControlSetChoice, ChoiceError> {
    let choice = |number, chosen_by| ControlSetChoice {
        name: control_set_name(number),
        number,
        chosen_by,
    };
    if let Some(n) = requested {
        return if present.contains(&n) {
            Ok(choice(n, ChosenBy::Requested))
        } else {
            Err(ChoiceError::RequestedMissing {
                requested: control_set_name(n),
                present: present.to_vec(),
            })
        };
    }
    let exists = |n: &Option<u32>| n.filter(|n| present.contains(n));
    if let Some(n) = exists(&select.current) {
        Ok(choice(n, ChosenBy::SelectCurrent))
    } else if let Some(n) = exists(&select.default) {
        Ok(choice(n, ChosenBy::SelectDefault))
    } else {
        present
            .iter()
            .min()
            .map(|&n| choice(n, ChosenBy::LowestPresent))
            .ok_or(ChoiceError::NoneExists)
    }
}

/// The root's `Select` values (`None` when the key is missing).
pub fn read_select(reader: &HiveReader<'_>, root: &Key<'_>) -> Result<Option<Select>, FormatError> {
    let Some(key) = reader.subkey(root, "Select")? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    let dword = |name| find(&values, name).and_then(|v| v.as_dword());
    Ok(Some(Select {
        current: dword("Current"),
        default: dword("Default"),
        last_known_good: dword("LastKnownGood"),
        failed: dword("Failed"),
    }))
}

/// The numbers of the `ControlSetNNN` keys under the root, ascending.
pub fn list_control_sets(reader: &HiveReader<'_>, root: &Key<'_>) -> Result<Vec<u32>, FormatError> {
    let mut numbers: Vec<u32> = reader
        .subkeys(root)?
        .iter()
        .filter_map(|(name, _)| control_set_number(name))
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(current: Option<u32>, default: Option<u32>) -> Select {
        Select {
            current,
            default,
            last_known_good: Some(2),
            failed: Some(0),
        }
    }

    #[test]
    fn names_and_numbers() {
        assert_eq!(control_set_name(1), "ControlSet001");
        assert_eq!(control_set_number("controlset003"), Some(3));
        assert_eq!(control_set_number("ControlSet01"), None);
        assert_eq!(control_set_number("ControlSet0001"), None);
        assert_eq!(control_set_number("CurrentControlSet"), None);
        assert_eq!(control_set_number("ControlSet\u{e9}01"), None);
    }

    #[test]
    fn current_wins_then_default_then_lowest() {
        let c = choose(&select(Some(2), Some(1)), &[1, 2], None).unwrap();
        assert_eq!(
            (c.name.as_str(), c.chosen_by),
            ("ControlSet002", ChosenBy::SelectCurrent)
        );
        let c = choose(&select(Some(7), Some(1)), &[1, 2], None).unwrap();
        assert_eq!((c.number, c.chosen_by), (1, ChosenBy::SelectDefault));
        let c = choose(&select(None, None), &[3, 2], None).unwrap();
        assert_eq!((c.number, c.chosen_by), (2, ChosenBy::LowestPresent));
        assert_eq!(
            choose(&select(Some(1), Some(1)), &[], None),
            Err(ChoiceError::NoneExists)
        );
    }

    #[test]
    fn requested_number_must_exist() {
        let c = choose(&select(Some(1), Some(1)), &[1, 3], Some(3)).unwrap();
        assert_eq!((c.number, c.chosen_by), (3, ChosenBy::Requested));
        let err = choose(&select(Some(1), Some(1)), &[1, 3], Some(2)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ControlSet002 does not exist; the hive has ControlSet001, ControlSet003"
        );
    }
}
