//! Completions and the man page come from the argument definitions: every subcommand is in
//! them, and the completion scripts are ones the shells would load.

use assert_cmd::Command;

const SUBCOMMANDS: [&str; 9] = [
    "catalog",
    "check",
    "discover",
    "dlls",
    "scan",
    "timeline",
    "export",
    "completions",
    "restore",
];

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("winsock-doctor")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn the_man_page_lists_every_subcommand() {
    let page = run(&["manpage"]);
    assert!(page.starts_with(".ie") || page.contains(".TH"), "roff");
    assert!(page.contains("winsock\\-doctor"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "{sub} in the man page");
    }
}

fn completions_know_the_subcommands_and_the_new_options() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: {sub}");
        }
        assert!(
            script.contains("jsonl") && script.contains("bodyfile"),
            "{shell}"
        );
    }
    let bash = run(&["completions", "bash"]);
    if std::path::Path::new("/bin/bash").exists() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("wd.bash");
        std::fs::write(&file, bash).unwrap();
        let status = std::process::Command::new("bash")
            .arg("-n")
            .arg(&file)
            .status()
            .unwrap();
        assert!(status.success(), "bash parses the script");
    }
}

fn the_batch_exit_codes_are_in_the_help() {
    let help = run(&["scan", "--help"]);
    assert!(help.contains("2 if any hive could not be read, else 1 if any hive has problems"));
}

crate::common::registry::register_tests! {
    Nothing: [
        the_man_page_lists_every_subcommand,
        completions_know_the_subcommands_and_the_new_options,
        the_batch_exit_codes_are_in_the_help,
    ],
}
