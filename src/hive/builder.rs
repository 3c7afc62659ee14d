//! Build a fresh hive from a tree of keys and values (the synthetic test hives of the project are
//! made this way), through [`Editor::new_empty`] and ordinary edits.

use crate::hive::editor::{EditError, Editor};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueSpec {
    /// "" is the key's default value.
    pub name: String,
    pub data_type: u32,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySpec {
    pub name: String,
    pub values: Vec<ValueSpec>,
    pub subkeys: Vec<KeySpec>,
}

/// The security descriptor of every key of a built hive, in self-relative form: owner
/// Administrators, group SYSTEM, and a DACL inherited by subkeys granting KEY_ALL_ACCESS to
/// Administrators and SYSTEM and KEY_READ to Users (what `HKLM\SYSTEM` keys usually carry).
pub const DEFAULT_SECURITY_DESCRIPTOR: [u8; 124] = [
    // Header: revision 1, control SE_SELF_RELATIVE | SE_DACL_PRESENT (0x8004), owner at 0x60,
    // group at 0x70, no SACL, DACL at 0x14.
    0x01, 0x00, 0x04, 0x80, 0x60, 0x00, 0x00, 0x00, 0x70, 0x00, 0x00, 0x00, //
    0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, //
    // DACL: revision 2, 0x4c bytes, 3 ACEs.
    0x02, 0x00, 0x4c, 0x00, 0x03, 0x00, 0x00, 0x00, //
    // ACCESS_ALLOWED, OBJECT_INHERIT | CONTAINER_INHERIT, KEY_ALL_ACCESS, S-1-5-32-544.
    0x00, 0x03, 0x18, 0x00, 0x3f, 0x00, 0x0f, 0x00, //
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
    // ACCESS_ALLOWED, OBJECT_INHERIT | CONTAINER_INHERIT, KEY_ALL_ACCESS, S-1-5-18.
    0x00, 0x03, 0x14, 0x00, 0x3f, 0x00, 0x0f, 0x00, //
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00, //
    // ACCESS_ALLOWED, OBJECT_INHERIT | CONTAINER_INHERIT, KEY_READ, S-1-5-32-545.
    0x00, 0x03, 0x18, 0x00, 0x19, 0x00, 0x02, 0x00, //
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x21, 0x02, 0x00, 0x00,
    // Owner S-1-5-32-544 (Administrators).
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
    // Group S-1-5-18 (SYSTEM).
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00,
];

/// A hive of format 1.`minor_version` holding `root` (its name becomes the root key's name) and
/// everything below it, every key last written at `timestamp` (a FILETIME).
pub fn build_hive(
    minor_version: u32,
    root: &KeySpec,
    timestamp: u64,
) -> Result<Vec<u8>, EditError> {
    let mut editor = Editor::new_empty(minor_version, &root.name, &DEFAULT_SECURITY_DESCRIPTOR)?;
    editor.set_timestamp(timestamp);
    // An explicit stack: a deep spec tree must not exhaust the call stack.
    let mut stack = vec![(String::new(), root)];
    while let Some((path, key)) = stack.pop() {
        editor.create_key(&path)?;
        for value in &key.values {
            editor.set_value(&path, &value.name, value.data_type, &value.data)?;
        }
        for subkey in key.subkeys.iter().rev() {
            let child = if path.is_empty() {
                subkey.name.clone()
            } else {
                format!("{path}\\{}", subkey.name)
            };
            stack.push((child, subkey));
        }
    }
    Ok(editor.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_descriptor_is_consistent() {
        let sd = &DEFAULT_SECURITY_DESCRIPTOR;
        let u32_at = |at: usize| u32::from_le_bytes(sd[at..at + 4].try_into().unwrap());
        let (owner, group, dacl) = (u32_at(4) as usize, u32_at(8) as usize, u32_at(16) as usize);
        let acl_size = u16::from_le_bytes([sd[dacl + 2], sd[dacl + 3]]) as usize;
        assert_eq!(dacl + acl_size, owner, "the owner SID follows the DACL");
        // A SID is 8 bytes plus 4 per sub-authority.
        assert_eq!(owner + 8 + 4 * usize::from(sd[owner + 1]), group);
        assert_eq!(group + 8 + 4 * usize::from(sd[group + 1]), sd.len());
        let mut ace = dacl + 8;
        for _ in 0..u16::from_le_bytes([sd[dacl + 4], sd[dacl + 5]]) {
            ace += usize::from(u16::from_le_bytes([sd[ace + 2], sd[ace + 3]]));
        }
        assert_eq!(ace, owner, "the ACEs fill the DACL");
    }
}
