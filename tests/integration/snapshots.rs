//! What people read, pinned: every table and JSON document the tool prints, on the bundled hives
//! (no ../shared needed; logs and replay use the real dirty 1709 hive when present), 80 columns,
//! no colour. A changed layout fails here with a diff; accept
//! it with `INSTA_UPDATE=always` (then `git diff`) once it is the layout wanted.
//! Each command runs in a temporary folder holding copies of the hives, named by relative paths,
//! so that lines wrap the same in every checkout; the tool's version and the time of the run
//! are replaced by placeholders; everything else is as printed.

use crate::common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn bundled(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("hives")
        .join(name)
}

/// A temporary folder that commands run in.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A copy of the bundled hive `name` at `relative` inside the folder.
    fn hive(&self, name: &str, relative: &str) -> &Case {
        let path = self.dir.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        self.file(&bundled(name), relative)
    }

    /// A copy of the file `source` at `relative` inside the folder.
    fn file(&self, source: &Path, relative: &str) -> &Case {
        std::fs::copy(source, self.dir.path().join(relative)).unwrap();
        self
    }

    /// `volume/Windows/System32/config/SYSTEM`, a copy of a bundled hive, with an empty
    /// `mswsock.dll` (a DLL Windows cannot load) and no other DLL.
    fn volume(&self, name: &str) -> &Case {
        self.hive(name, "volume/Windows/System32/config/SYSTEM");
        let system32 = self.dir.path().join("volume/Windows/System32");
        std::fs::write(system32.join("mswsock.dll"), b"").unwrap();
        self
    }

    /// The run of `args` in the folder as a user sees it: exit code, standard output, standard
    /// error.
    fn run(&self, args: &[&str]) -> String {
        self.run_in_columns(args, 80)
    }

    fn run_in_columns(&self, args: &[&str], columns: usize) -> String {
        let output = Command::cargo_bin("winsock-doctor")
            .unwrap()
            .current_dir(self.dir.path())
            .env("COLUMNS", columns.to_string())
            .env("NO_COLOR", "1")
            .args(args)
            .output()
            .unwrap();
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output
                .status
                .code()
                .map_or("signal".into(), |c| c.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    }

    /// Pins the run of `args` as snapshot `name`.
    fn pin(&self, name: &str, args: &[&str]) {
        pin(name, &self.run(args), self.dir.path());
    }

    /// Pins `COMMAND TARGET` as `{name}_table` and `COMMAND --json TARGET` as `{name}_json`.
    fn pin_table_and_json(&self, name: &str, command: &str, target: &str) {
        self.pin(&format!("{name}_table"), &[command, target]);
        self.pin(&format!("{name}_json"), &[command, "--json", target]);
    }
}

/// Pins `text` as snapshot `name`, with what differs from run to run replaced.
fn pin(name: &str, text: &str, folder: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(&regex_literal(&folder.to_string_lossy()), "[TMP]");
    settings.add_filter(&regex_literal(env!("CARGO_PKG_VERSION")), "[VERSION]");
    settings.add_filter(r#""created": ?"[^"]+""#, r#""created":"[CREATED]""#);
    // The program as started (the undo commands name it) and the times (and same-second counters) in backup names.
    settings.add_filter(
        &regex_literal(env!("CARGO_BIN_EXE_winsock-doctor")),
        "winsock-doctor",
    );
    settings.add_filter(r"backup-\d{8}T\d{6}Z-\d+", "backup-[TIME]");
    settings.add_filter(r"on \d{4}-\d\d-\d\dT[\d:.]+Z with", "on [TIME] with");
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// `text` as a regular expression that matches it and nothing else.
fn regex_literal(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-') {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

const LSP: &str = "win10-x64-lsp.hive";
const WIN10: &str = "win10-x64.hive";
const XP: &str = "winxp-sp3-x86.hive";

/// Pins `COMMAND HIVE` and `COMMAND --json HIVE` on a copy of the bundled `hive` as
/// `{command}_table` and `{command}_json`.
fn pin_table_and_json_of_hive(command: &str, hive: &str) {
    let case = Case::new();
    case.hive(hive, hive).pin_table_and_json(command, command, hive);
}

fn catalog_table_and_json() {
    pin_table_and_json_of_hive("catalog", LSP);
}

fn scan_tables_of_each_bundled_hive_and_json() {
    let case = Case::new();
    for name in [LSP, WIN10, XP] {
        case.hive(name, name);
        case.pin(&format!("scan_table_{name}"), &["scan", name]);
    }
    case.pin("scan_json", &["scan", "--json", LSP]);
    case.pin(
        "scan_all_control_sets_history",
        &["scan", "--all-control-sets", "--history", LSP],
    );
}

fn scan_of_a_volume_table_and_json() {
    let case = Case::new();
    case.volume(LSP);
    case.pin_table_and_json("scan_volume", "scan", "volume");
}

fn batch_table_and_jsonl() {
    // A case folder as a collection tool leaves it: one SYSTEM per machine.
    let case = Case::new();
    for name in [LSP, WIN10, XP] {
        case.hive(name, &format!("case/{name}/SYSTEM"));
    }
    case.pin(
        "batch_table",
        &["scan", "--recursive", "--threads", "1", "case"],
    );
    case.pin(
        "batch_jsonl",
        &["scan", "--recursive", "--threads", "1", "--jsonl", "case"],
    );
}

fn check_table_and_json() {
    pin_table_and_json_of_hive("check", WIN10);
}

fn dlls_and_discover_tables_and_json() {
    let case = Case::new();
    case.volume(WIN10);
    case.pin_table_and_json("dlls", "dlls", "volume");
    case.pin_table_and_json("discover", "discover", "volume");
}

fn repair_dry_runs_table_and_json() {
    let case = Case::new();
    case.hive(LSP, LSP).hive(XP, XP);
    let remove_lsp = ["repair", LSP, "--mode", "remove-lsp", "--dry-run"];
    case.pin("repair_remove_lsp_dry_run_table", &remove_lsp);
    case.pin(
        "repair_remove_lsp_dry_run_json",
        &[&remove_lsp[..], &["--json"]].concat(),
    );
    case.pin(
        "repair_reset_dry_run_table",
        &["repair", XP, "--mode", "reset", "--dry-run"],
    );
}

fn repair_written_table() {
    let case = Case::new();
    case.hive(LSP, LSP);
    // A fixed time for the written keys, so that the output's sha256 is the same every run.
    case.pin(
        "repair_remove_lsp_written_table",
        &[
            "repair",
            LSP,
            "--mode",
            "remove-lsp",
            "--out",
            "SYSTEM.repaired",
            "--timestamp",
            "2026-01-02T03:04:05Z",
        ],
    );
}

fn timeline_csv_and_bodyfile_and_reg_export() {
    let case = Case::new();
    case.hive(LSP, LSP);
    case.pin("timeline_csv", &["timeline", LSP]);
    case.pin("timeline_bodyfile", &["timeline", "--bodyfile", LSP]);
    let printed = case.run(&["export", LSP, "--reg", "winsock.reg"]);
    let bytes = std::fs::read(case.dir.path().join("winsock.reg")).unwrap();
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|p| u16::from_le_bytes([p[0], p[1]]))
        .collect();
    let file = String::from_utf16(&units).unwrap().replace("\r\n", "\n");
    pin(
        "export_reg",
        &format!("{printed}--- file\n{file}"),
        case.dir.path(),
    );
}

fn refusals_and_errors() {
    let case = Case::new();
    case.hive(LSP, LSP);
    std::fs::write(case.dir.path().join("notes.txt"), "not a hive\n").unwrap();
    std::fs::create_dir(case.dir.path().join("empty")).unwrap();
    case.pin("error_missing_file", &["scan", "missing"]);
    case.pin("error_not_a_hive", &["scan", "notes.txt"]);
    case.pin(
        "refusal_out_is_the_input",
        &["repair", LSP, "--mode", "remove-lsp", "--out", LSP],
    );
    case.pin(
        "refusal_restore_from_a_guess",
        &[
            "repair", LSP, "--mode", "restore", "--from", "auto", "--out", "OUT",
        ],
    );
    case.pin(
        "batch_of_an_empty_folder",
        &["scan", "--recursive", "empty"],
    );
}

fn install_then_restore() {
    let case = Case::new();
    case.volume(LSP);
    case.pin(
        "install_table",
        &[
            "repair",
            "volume",
            "--mode",
            "remove-lsp",
            "--install",
            "--timestamp",
            "2026-01-02T03:04:05Z",
        ],
    );
    // restore names the config folder by its full path: wide, so that the temporary folder's
    // length does not move the line breaks.
    let wide =
        |name: &str, args: &[&str]| pin(name, &case.run_in_columns(args, 400), case.dir.path());
    wide("restore_list", &["restore", "volume", "--list"]);
    wide(
        "restore_list_json",
        &["restore", "volume", "--list", "--json"],
    );
    wide("restore_table", &["restore", "volume"]);
}

/// Logs and replay need a dirty hive with its logs: the real Windows 10 1709 one.
fn logs_and_replay_tables_and_json() {
    let Some(dirty) = common::hive_path("real/win10-1709-x64-dirty-with-logs") else {
        return;
    };
    let case = Case::new();
    for name in ["SYSTEM", "SYSTEM.LOG1", "SYSTEM.LOG2"] {
        case.file(&dirty.join(name), name);
    }
    case.pin("logs_table", &["logs", "SYSTEM.LOG1", "SYSTEM.LOG2"]);
    case.pin(
        "logs_json",
        &["logs", "--json", "SYSTEM.LOG1", "SYSTEM.LOG2"],
    );
    case.pin("replay_table", &["replay", "SYSTEM", "--out", "replayed"]);
    case.pin(
        "replay_json",
        &["replay", "SYSTEM", "--out", "replayed.json-run", "--json"],
    );
}

common::registry::register_tests! {
    Nothing: [
        catalog_table_and_json,
        scan_tables_of_each_bundled_hive_and_json,
        scan_of_a_volume_table_and_json,
        batch_table_and_jsonl,
        check_table_and_json,
        dlls_and_discover_tables_and_json,
        repair_dry_runs_table_and_json,
        repair_written_table,
        timeline_csv_and_bodyfile_and_reg_export,
        refusals_and_errors,
        install_then_restore,
    ],
    Hives: [logs_and_replay_tables_and_json],
}
