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

# Disk image seeds: a 512 KiB disk with an MBR and one with a GPT, as raw, VHD (fixed,
# dynamic), VMDK sparse, VHDX and E01, when the tools are there (.ci/run installs them).
if command -v sfdisk >/dev/null && command -v sgdisk >/dev/null && command -v qemu-img >/dev/null; then
  IMG=$(mktemp -d); trap 'rm -rf "$IMG"' EXIT
  truncate -s 512K "$IMG/mbr.img" "$IMG/gpt.img"
  printf 'label: dos\nstart=64, size=512, type=7\nstart=600, type=5\n' | sfdisk -q "$IMG/mbr.img" 2>/dev/null || true
  sgdisk -q -o -n 1:34:900 -t 1:0700 "$IMG/gpt.img" >/dev/null 2>&1 || true
  mkdir -p "$FUZZ/corpus/image_raw" "$FUZZ/corpus/image_vhd" "$FUZZ/corpus/image_vmdk_sparse" \
    "$FUZZ/corpus/image_ewf" "$FUZZ/corpus/image_vhdx"
  for disk in mbr gpt; do
    cp "$IMG/$disk.img" "$FUZZ/corpus/image_raw/$disk"
    qemu-img convert -O vpc -o subformat=dynamic "$IMG/$disk.img" "$FUZZ/corpus/image_vhd/$disk-dynamic"
    qemu-img convert -O vpc -o subformat=fixed "$IMG/$disk.img" "$FUZZ/corpus/image_vhd/$disk-fixed"
    qemu-img convert -O vmdk "$IMG/$disk.img" "$FUZZ/corpus/image_vmdk_sparse/$disk"
    qemu-img convert -O vhdx "$IMG/$disk.img" "$IMG/$disk.vhdx"
    # qemu-img puts the BAT at 2 MiB and the metadata at 3 MiB: move their first 128 KiB each
    # right after the headers (and say so in the region table) to fit the 1 MiB inputs.
    python3 - "$IMG/$disk.vhdx" "$FUZZ/corpus/image_vhdx/$disk" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
out = bytearray(data[:256 * 1024])
table = 192 * 1024
for i in range(struct.unpack_from("<I", out, table + 8)[0]):
    entry = table + 16 + 32 * i
    offset = struct.unpack_from("<Q", out, entry + 16)[0]
    struct.pack_into("<QI", out, entry + 16, len(out), 128 * 1024)
    out += data[offset:offset + 128 * 1024]
open(sys.argv[2], "wb").write(out)
PY
    if command -v ewfacquire >/dev/null; then
      ewfacquire -u -q -t "$IMG/$disk" -f encase6 -c deflate:fast "$IMG/$disk.img" >/dev/null 2>&1 \
        && cp "$IMG/$disk.E01" "$FUZZ/corpus/image_ewf/$disk"
    fi
  done
fi
