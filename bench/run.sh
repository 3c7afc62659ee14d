#!/usr/bin/env bash
# Whole-process benchmarks of winsock-doctor against floors (sha256 of the input, cp) and peer tools.
# Prints hyperfine medians and the ratios the issues set as targets. Results go to docs/performance.md
# by hand, with the date and the machine.
#
# usage: bench/run.sh [SHARED_DIR]      (default ../shared; needs hyperfine: apt-get install hyperfine)
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-${WINSOCK_DOCTOR_SHARED:-$(cd .. && pwd)/shared}}
HIVE=$SHARED/hives/real/win7-sp1-x86/SYSTEM
DIRTY=$SHARED/hives/real/win10-1709-x64-dirty-with-logs
BIN=target/release/winsock-doctor
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install hyperfine" >&2; exit 2; }
cargo build --release -q
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
have() { "$BIN" help "$1" >/dev/null 2>&1; }

# median in seconds of one command, from hyperfine's JSON: median NAME [hyperfine options] WORDS...
# (the words after the options make ONE command, quoted for hyperfine's shell-word splitting;
# passed apart, hyperfine would take each word as a command of its own)
median() {
  local name=$1; shift
  local opts=()
  while [[ $1 == -* ]]; do
    opts+=("$1")
    if [[ $1 == --prepare ]]; then shift; opts+=("$1"); fi
    shift
  done
  hyperfine -N --warmup 3 --runs "${RUNS:-30}" --export-json "$TMP/$name.json" "${opts[@]}" "$(printf '%q ' "$@")" >/dev/null 2>&1
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$TMP/$name.json"
}
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1])/float(sys.argv[2]):.2f}')" "$1" "$2"; }
row() { printf '| %-58s | %8.1f ms | %s |\n' "$1" "$(python3 -c "print(float('$2')*1000)")" "$3"; }

echo "machine: $(nproc) cores, $(uname -sr); hive: $HIVE ($(stat -c %s "$HIVE") bytes)"
echo "| command | median | ratio to the floor |"
echo "|---|---|---|"
sha=$(median sha openssl dgst -sha256 "$HIVE")
row "openssl dgst -sha256 (floor)" "$sha" "1.00"
cp_t=$(median cp cp "$HIVE" "$TMP/copy")
row "cp" "$cp_t" "-"
write_floor=$(python3 -c "print($sha + $cp_t)")

if have catalog; then
  t=$(median catalog "$BIN" catalog --json "$HIVE")
  row "winsock-doctor catalog --json" "$t" "$(ratio "$t" "$sha") (target <= 1.3)"
fi
if have scan; then
  t=$(median scan "$BIN" scan --json "$HIVE")
  row "winsock-doctor scan --json" "$t" "$(ratio "$t" "$sha") (target <= 1.3)"
  hivexget_t=$(median hivexget hivexget "$HIVE" 'ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries\000000000001' PackedCatalogItem)
  row "peer: hivexget of one catalog value" "$hivexget_t" "scan is $(ratio "$t" "$hivexget_t")x"
  reglookup_t=$(median reglookup reglookup -p '/ControlSet001/Services/WinSock2' "$HIVE")
  row "peer: reglookup of the WinSock2 subtree" "$reglookup_t" "scan is $(ratio "$t" "$reglookup_t")x"
fi
if have repair; then
  t=$(median repair --prepare "rm -f $TMP/out" "$BIN" repair "$HIVE" --mode reset --out "$TMP/out" --timestamp 2026-01-01T00:00:00Z)
  row "winsock-doctor repair --mode reset (writes a copy)" "$t" "$(ratio "$t" "$write_floor") of cp+sha256 (target <= 2)"
  rm -f "$TMP/out"
  /usr/bin/time -v -o "$TMP/repair-time.txt" "$BIN" repair "$HIVE" --mode reset --out "$TMP/out" >/dev/null 2>&1 || true
  repair_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$TMP/repair-time.txt")
  hive_bytes=$(stat -c %s "$HIVE")
  echo "peak RSS of repair --mode reset: $((repair_kib / 1024)) MiB (target <= 2 x $((hive_bytes / 1048576)) MiB + 32 MiB = $((2 * hive_bytes / 1048576 + 32)) MiB)"
fi
if have scan && [ -x /opt/hive-peers/venv/bin/python ]; then
  regipy_t=$(median regipy /opt/hive-peers/venv/bin/python -c "from regipy.registry import RegistryHive; h = RegistryHive('$HIVE'); [k.name for k in h.get_key(r'\\ControlSet001\Services\WinSock2\Parameters\Protocol_Catalog9\Catalog_Entries').iter_subkeys()]")
  scan_t=$(median scan_again "$BIN" scan --json "$HIVE")
  row "peer: regipy listing Catalog_Entries" "$regipy_t" "scan is $(ratio "$scan_t" "$regipy_t")x"
fi
if have replay && have scan; then
  "$BIN" replay "$DIRTY/SYSTEM" --out "$TMP/recovered" >/dev/null
  plain=$(median plain "$BIN" scan --json "$TMP/recovered")
  dirty=$(median dirty "$BIN" scan --json "$DIRTY/SYSTEM")
  row "scan of the dirty 1709 hive with log replay" "$dirty" "$(ratio "$dirty" "$plain") of plain scan of the recovered hive (target <= 2)"
fi

# Batch scan: 200 hives (hard links to copies of the real hives, with the 1709 hive's logs), on
# 1 thread and on every core; then the peak memory of the batch against the largest hive.
if have scan && "$BIN" scan --help | grep -q -- --recursive; then
  # Copies of the shared hives first (links into the shared folder would touch its inodes),
  # then 200 hard links to the copies.
  BATCH=$TMP/batch; ORIG=$TMP/originals; mkdir -p "$BATCH" "$ORIG"
  REAL=()
  while read -r src; do
    n=${#REAL[@]}; mkdir -p "$ORIG/$n"
    cp "$src" "$ORIG/$n/SYSTEM"
    for log in "$(dirname "$src")"/SYSTEM.LOG[12]; do [ -f "$log" ] && cp "$log" "$ORIG/$n/"; done
    REAL+=("$ORIG/$n/SYSTEM")
  done < <(find "$SHARED/hives/real" -name SYSTEM -type f | sort)
  for i in $(seq 0 199); do
    src=${REAL[$((i % ${#REAL[@]}))]}
    mkdir -p "$BATCH/host$i"
    for f in "$(dirname "$src")"/*; do ln "$f" "$BATCH/host$i/"; done
  done
  cores=$(nproc)
  # Exit code 1 (the damaged hive has findings) is expected: -i ignores it.
  one=$(RUNS=${BATCH_RUNS:-5} median batch1 -i "$BIN" scan --recursive --jsonl --threads 1 "$BATCH")
  all=$(RUNS=${BATCH_RUNS:-5} median batchN -i "$BIN" scan --recursive --jsonl --threads "$cores" "$BATCH")
  row "scan --recursive --jsonl, 200 hives, 1 thread" "$one" "-"
  row "scan --recursive --jsonl, 200 hives, $cores threads" "$all" "speedup $(ratio "$one" "$all") (target >= 1.7 on 2 cores)"
  largest=$(for h in "${REAL[@]}"; do stat -c %s "$h"; done | sort -n | tail -1)
  /usr/bin/time -v -o "$TMP/time.txt" "$BIN" scan --recursive --jsonl "$BATCH" >/dev/null 2>&1 || true
  peak_kib=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$TMP/time.txt")
  echo
  echo "peak RSS of the 200-hive batch ($cores threads): $((peak_kib / 1024)) MiB; largest hive: $((largest / 1048576)) MiB; above it: $(( (peak_kib * 1024 - largest) / 1048576 )) MiB (target <= 64)"
fi

# Disk images (docs/images.md): the 16 MB hive in an NTFS volume in an MBR disk, scanned as a
# raw image against the scan of the hive file (target <= 1.5), and as an E01 against ewfexport
# to raw + scan of that. Needs mkntfs, ntfs-3g (root, FUSE), sfdisk and ewf-tools.
if have scan && command -v mkntfs >/dev/null && command -v ewfacquire >/dev/null; then
  IMG=$TMP/images; mkdir -p "$IMG/mnt"
  truncate -s 64M "$IMG/vol.img"
  mkntfs -F -Q -q "$IMG/vol.img" >/dev/null 2>&1
  ntfs-3g "$IMG/vol.img" "$IMG/mnt"
  mkdir -p "$IMG/mnt/Windows/System32/config"
  cp "$HIVE" "$IMG/mnt/Windows/System32/config/SYSTEM"
  # FUSE releases closed files asynchronously: umount may find the mount busy for a moment.
  for _ in $(seq 50); do umount "$IMG/mnt" 2>/dev/null && break; sleep 0.1; done
  truncate -s 66M "$IMG/disk.img"
  printf 'label: dos\nstart=2048, size=131072, type=7\n' | sfdisk -q "$IMG/disk.img"
  dd if="$IMG/vol.img" of="$IMG/disk.img" bs=1M seek=1 conv=notrunc status=none
  ewfacquire -u -q -t "$IMG/case" -f encase6 -c deflate:fast "$IMG/disk.img" >/dev/null 2>&1
  file_t=$(median scan_file -i "$BIN" scan --json "$HIVE")
  raw_t=$(median scan_raw -i "$BIN" scan --json "$IMG/disk.img")
  row "scan --json of a raw disk image holding the 16 MB hive" "$raw_t" "$(ratio "$raw_t" "$file_t") of scan of the hive file (target <= 1.5)"
  e01_t=$(median scan_e01 -i "$BIN" scan --json "$IMG/case.E01")
  export_t=$(median ewfexport --prepare "rm -f $IMG/exported.raw $IMG/exported.raw.info" ewfexport -q -u -t "$IMG/exported" -f raw "$IMG/case.E01")
  row "scan --json of the same disk as E01" "$e01_t" "$(ratio "$e01_t" "$(python3 -c "print($export_t + $raw_t)")") of ewfexport + scan of the raw image"
fi
