#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] [TARGET...]: run each fuzz target (default: all) for SECONDS (default
# 60), one after the other, with one job (the machine is shared). Fails on the first crash,
# timeout or out-of-memory; the input is left in fuzz/artifacts/TARGET/. The final libFuzzer
# statistics of each run are appended to fuzz/last-run.txt.
set -euo pipefail
FUZZ=$(cd "$(dirname "$0")" && pwd)
cd "$FUZZ/.."
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(open_walk packed_item namespace_entry replay editor scan repair image_raw image_vhd image_vhdx image_vmdk_sparse image_ewf)

# cargo-fuzz needs nightly flags (-Zsanitizer); only the stable toolchain is installed.
export RUSTC_BOOTSTRAP=1
[ -d "$FUZZ/corpus/open_walk" ] || bash "$FUZZ/seed.sh"
: > "$FUZZ/last-run.txt"
for target in "${TARGETS[@]}"; do
  case $target in
    replay) max_len=1048576 ;;
    packed_item | namespace_entry) max_len=4096 ;;
    image_*) max_len=1048576 ;;
    *) max_len=131072 ;;
  esac
  mkdir -p "$FUZZ/corpus/$target" "$FUZZ/artifacts/$target"
  echo "=== $target: ${SECONDS_EACH}s"
  log="$FUZZ/artifacts/$target/run.log"
  # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a hive of at most 1 MB must not
  # need 2 GB.
  if ! cargo fuzz run "$target" --jobs 1 -- \
      -max_total_time="$SECONDS_EACH" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 >"$log" 2>&1; then
    tail -60 "$log"
    echo "=== $target FAILED: see $log and fuzz/artifacts/$target/" >&2
    exit 1
  fi
  { echo "== $target (${SECONDS_EACH}s)"; grep -E '^(#[0-9]+[[:space:]]+DONE|stat::)' "$log"; } \
    | tee -a "$FUZZ/last-run.txt"
done
