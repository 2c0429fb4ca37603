#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An extra initramfs layer for scenarios with "# swap: yes": the zram module
# and the modules it needs, so the guest can swap (lib.sh: swap_on). The
# guest has no disk; compressed RAM is the only swap it can have, and
# without swap memory.high can stop a cgroup's growth but never take its
# memory back (bench/memory-protect.sh measures that relief).
#
#   mkswap-cpio.sh OUT.cpio SOURCE_DIR KERNEL_DIR
#
# Debian kernels build zram as a module: it comes from the kernel's
# linux-modules-VERSION package (the apt state scripts/setup.sh fetched the
# kernel with), once, decompressed into KERNEL_DIR/modules with a load
# order (dependencies first, from each module's "depends=" field). A
# kernel with CONFIG_ZRAM=y needs nothing: the layer is then empty.
set -euo pipefail
out="$1" src="$(cd "$2" && pwd)" kdir="$(cd "$3" && pwd)"
cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}"
. "$src/tests/vm/cpio-lib.sh"
stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib/modules/swap"
if grep -q '^CONFIG_ZRAM=y' "$kdir/config" 2>/dev/null; then
    : >"$stage/lib/modules/swap/order"
    pack_cpio "$stage" "$out"; exit 0
fi
mods="$kdir/modules"
if [[ ! -r "$mods/order" ]]; then
    ver="$(cat "$kdir/version")"
    . "$src/scripts/private-apt.sh"
    work="$(mktemp -d)"; trap 'rm -rf "$stage" "$work"' EXIT
    get() { (cd "$work" && private_apt "$cache/apt" apt-get download "linux-modules-$ver" >/dev/null 2>&1); }
    if ! get; then
        # shellcheck disable=SC2086 # one suite per word
        private_apt_update "$cache/apt" ${LLM_SCHEDD_KERNEL_SUITES:-trixie-backports sid}
        get || { echo "swap layer: no linux-modules-$ver package for kernel $ver in apt;" \
                      "a kernel built by scripts/build-kernel.sh needs CONFIG_ZRAM=y instead" >&2; exit 1; }
    fi
    dpkg-deb -x "$work"/linux-modules-*.deb "$work/root"
    tree="$(find "$work/root" -type d -path "*/modules/$ver/kernel" | head -1)"
    rm -rf "$mods.tmp"; mkdir -p "$mods.tmp"
    # load NAME: NAME's dependencies, then NAME, each once, into the order.
    load() {
        local f dep
        grep -qx "$1" "$mods.tmp/order" 2>/dev/null && return 0
        f="$(find "$tree" -name "$1.ko*" | head -1)"
        [[ -n "$f" ]] || { echo "swap layer: module $1 is not in linux-modules-$ver" >&2; exit 1; }
        case "$f" in *.xz) xz -dc "$f" ;; *.zst) zstd -dcq "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac \
            >"$mods.tmp/$1.ko"
        for dep in $(strings "$mods.tmp/$1.ko" | sed -n 's/^depends=//p' | tr ',' ' '); do load "$dep"; done
        echo "$1" >>"$mods.tmp/order"
    }
    load zram
    rm -rf "$mods"; mv "$mods.tmp" "$mods"
fi
cp "$mods"/*.ko "$mods/order" "$stage/lib/modules/swap/"
pack_cpio "$stage" "$out"
