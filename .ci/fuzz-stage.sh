#!/usr/bin/env bash
# CI stage: hold the fuzz crate (its own workspace, so the main lint step misses it) to the same
# fmt and clippy rules, then run every fuzz target for 30 s (twelve targets: the stage must leave room in the 40 minutes) (fuzz/run.sh), installing cargo-fuzz
# if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
(cd fuzz && cargo fmt -- --check && cargo clippy --all-targets --locked -- -D warnings)
bash fuzz/run.sh 30
