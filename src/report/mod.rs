//! Presentation: tables for people and JSON for programs, made from the model. Nothing here
//! parses.

pub mod batch_json;
pub mod batch_summary;
pub mod catalog_json;
pub mod catalog_table;
pub mod check_json;
pub mod check_table;
pub mod discover_json;
pub mod discover_table;
pub mod dll_json;
pub mod dll_table;
pub mod history_table;
pub mod json_document;
pub mod json_path;
pub mod logs_table;
pub mod reg_file;
pub mod repair_json;
pub mod repair_table;
pub mod replay_report;
pub mod restore_table;
pub mod scan_json;
pub mod scan_table;
pub mod timeline_bodyfile;
pub mod timeline_csv;
pub mod width;
pub mod windows_line;
