//! Carry a plan out on a hive editor, edit by edit, in the plan's order.

use crate::hive::editor::{EditError, Editor};
use crate::winsock::repair::plan::{Edit, RepairPlan};

pub fn apply(editor: &mut Editor, plan: &RepairPlan) -> Result<(), EditError> {
    for edit in &plan.edits {
        match edit {
            Edit::CreateKey { key } => editor.create_key(key)?,
            Edit::DeleteKey { key, .. } => {
                editor.delete_key(key)?;
            }
            Edit::SetValue { key, after, .. } => {
                editor.set_value(key, &after.name, after.data_type, &after.data)?
            }
            Edit::DeleteValue { key, before } => {
                editor.delete_value(key, &before.name)?;
            }
        }
    }
    Ok(())
}
