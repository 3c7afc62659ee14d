#!/usr/bin/env bash
# Fill fuzz/corpus/TARGET/ with seeds: small hives of the shared zoo (WINSOCK_DOCTOR_SHARED,
# default <repo>/../shared), the builder's hives, zoo hives joined with their logs, and real
# PackedCatalogItem values. Reads the shared folder only; writes below fuzz/corpus.
set -euo pipefail
FUZZ=$(cd "$(dirname "$0")" && pwd)
SHARED=${WINSOCK_DOCTOR_SHARED:-$(cd "$FUZZ/../.." && pwd)/shared}
[ -d "$SHARED/hives/zoo" ] || { echo "seed.sh: no zoo at $SHARED/hives/zoo" >&2; exit 1; }
# Built the way cargo-fuzz builds the targets, so the compiled crates are shared with them.
cd "$FUZZ"
RUSTC_BOOTSTRAP=1 cargo fuzz build make_seeds 2>/dev/null
"$FUZZ/target/$(rustc -vV | sed -n 's/^host: //p')/release/make_seeds" "$SHARED" "$FUZZ/corpus"
