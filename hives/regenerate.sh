#!/usr/bin/env bash
# Regenerate the synthetic hives in hives/ from their descriptions (*.toml), byte-identically.
#   hives/regenerate.sh           rewrite every hives/NAME.hive from hives/NAME.toml
#   hives/regenerate.sh --check   rebuild into a temporary folder and fail if any differs
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --locked
bin=target/debug/winsock-doctor
check=0
[ "${1:-}" = "--check" ] && check=1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
status=0
for description in hives/*.toml; do
  hive=${description%.toml}.hive
  "$bin" build-hive "$description" --out "$tmp/$(basename "$hive")" >/dev/null
  if [ $check = 1 ]; then
    if cmp -s "$tmp/$(basename "$hive")" "$hive"; then
      echo "same: $hive"
    else
      echo "DIFFERS: $hive is not what $description builds (run hives/regenerate.sh)"
      status=1
    fi
  else
    cp "$tmp/$(basename "$hive")" "$hive"
    echo "built: $hive ($(sha256sum "$hive" | cut -c1-16)...)"
  fi
done
exit $status
