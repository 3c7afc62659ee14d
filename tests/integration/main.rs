//! The integration tests: one binary (each test binary links the whole crate, slow to build).

mod common;

mod broken_pipe;
mod bundled_hives;
mod catalog_hostile_inputs;
mod catalog_real_hives;
mod crafted_hives;
mod crafted_images;
mod disk_images;
mod editor_hostile;
mod editor_model;
mod editor_peers;
mod editor_untouched;
mod evidence_untouched;
mod examples;
mod export_reg;
mod fleet_batch;
mod fleet_hostile;
mod generated_docs;
mod install_restore;
mod loader_verdicts;
mod packed_item_real;
#[cfg(unix)]
mod path_names;
mod repair_exhausted_ids;
mod repair_faults;
mod repair_history;
mod repair_lsp;
mod repair_mutations;
mod repair_real_hives;
mod repair_restore;
mod repair_salvage;
mod replay;
mod replay_cli;
mod robustness_doc;
mod run_facts;
mod scan_faults;
mod scan_real_hives;
#[cfg(unix)]
mod special_files;
mod structure_check;
mod timeline_lsp;
#[cfg(unix)]
mod truncated_input;
mod velociraptor_artifact;
mod volume;
#[cfg(unix)]
mod volume_links;
mod widths;
