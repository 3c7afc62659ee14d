//! The name of the machine a SYSTEM hive belongs to, to tell hives of a fleet apart.

use crate::error::FormatError;
use crate::hive::reader::HiveReader;
use crate::hive::value::{RawValue, find};

/// `ControlSetNNN\Control\ComputerName\ComputerName\ComputerName`, or `None` when missing.
pub fn computer_name(
    reader: &HiveReader<'_>,
    control_set: &str,
) -> Result<Option<String>, FormatError> {
    let root = reader.root()?;
    let path = format!(r"{control_set}\Control\ComputerName\ComputerName");
    let Some(key) = reader.open(&root, &path)? else {
        return Ok(None);
    };
    let values = reader.values(&key)?;
    Ok(find(&values, "ComputerName").and_then(RawValue::as_string))
}
