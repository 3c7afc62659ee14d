#!/usr/bin/env bash
# CI stage: run every fuzz target for 60 s (fuzz/run.sh), installing cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
bash fuzz/run.sh 60
