#!/usr/bin/env bash
# CI stage: run every fuzz target for 30 s (twelve targets: the stage must leave room in the 40
# minutes) (fuzz/run.sh), installing cargo-fuzz if missing. The fuzz crate's fmt and clippy run
# with the other lints, at the start of .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
bash fuzz/run.sh 30
