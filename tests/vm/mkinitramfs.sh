#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Packs the VM lane's base initramfs: busybox, the project's binaries, every
# shared library they link (found with ldd), and the workload tools the
# scenarios use. Scenarios travel in a second, tiny cpio appended at boot.
#
#   mkinitramfs.sh OUT.cpio BIN [BIN...]
set -euo pipefail
out="$1"; shift
BUILD_BIN_DIR="$(cd "$(dirname "$out")/.." && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT

mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,root,scenario,sys/fs/cgroup}
cp /bin/busybox "$stage/bin/busybox"

# shellcheck source=cpio-lib.sh
. "$here/cpio-lib.sh"
STRIP_UNDER="$BUILD_BIN_DIR"
add_binary() { stage_binary "$stage" "$@"; }

for b in "$@"; do add_binary "$b"; done
for tool in stress-ng cyclictest hackbench taskset chrt nproc timeout nice jq; do
    p="$(command -v "$tool" || true)"
    [[ -n "$p" ]] && add_binary "$p"
done

cat >"$stage/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
llmuser:x:1000:1000:llmuser:/tmp:/bin/sh
P
cat >"$stage/etc/group" <<'G'
root:x:0:
llm:x:1000:
nogroup:x:65534:
G
cp "$here/guest/init" "$stage/init"
cp "$here/guest/lib.sh" "$stage/scenario/lib.sh"
chmod +x "$stage/init"
pack_cpio "$stage" "$out"
echo "initramfs: $out ($(du -h "$out" | cut -f1))"
