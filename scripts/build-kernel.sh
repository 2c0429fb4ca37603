#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds a small sched_ext test kernel for the VM lane from Debian's kernel
# source package, and caches it beside the kernels that setup.sh fetches.
#
#   sudo scripts/build-kernel.sh            (linux-source-6.12)
#   sudo scripts/build-kernel.sh 7.3        (linux-source-7.3, for the matrix)
#
# Why: Debian builds its 6.12 kernels with sched_ext off, and 6.12 is the LTS
# that most operators run. The config is `make tinyconfig` plus the options
# in scripts/kernel/vm-lane.config, each checked after the merge, so the
# build takes minutes on two cores instead of the hour Debian's full config
# would. Idempotent: a kernel built from the same source version and the same
# fragment is reused. The source comes through a private apt state (host
# sources untouched); bookworm-backports carries 6.12, trixie-backports and
# sid carry 7.x.
#
# Environment:
#   LLM_SCHEDD_CACHE          cache directory (/var/cache/llm-schedd)
#   LLM_SCHEDD_SOURCE_SUITES  apt suites searched for linux-source-SERIES
#                             ("bookworm-backports trixie-backports sid")
#
# The last line on stdout is the kernel directory (vmlinuz, config, version),
# ready for LLM_SCHEDD_KERNEL_DIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
series="${1:-6.12}"
cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}"
suites="${LLM_SCHEDD_SOURCE_SUITES:-bookworm-backports trixie-backports sid}"
fragment="$here/kernel/vm-lane.config"
jobs="$(nproc)"

log() { printf 'build-kernel: %s\n' "$*" >&2; }
die() { printf 'build-kernel: error: %s\n' "$*" >&2; exit 1; }

[[ "$series" =~ ^[0-9]+\.[0-9]+$ ]] || die "series must look like 6.12, not '$series'"
[[ $(id -u) -eq 0 ]] || die "run as root (it installs build tools): sudo $0 $*"
for tool in flex bison pahole bc make gcc xz; do
    command -v "$tool" >/dev/null || die "$tool is missing (scripts/setup.sh installs it)"
done

apt_dir="$cache/apt-source"
. "$(dirname "${BASH_SOURCE[0]}")/private-apt.sh"
sapt() { private_apt "$apt_dir" "$@"; }

# 1. The source package (.deb holding /usr/src/linux-source-SERIES.tar.xz).
src_cache="$cache/kernel-src"
mkdir -p "$src_cache"
deb="$(ls -1 "$src_cache"/linux-source-"$series"_*.deb 2>/dev/null | sort -V | tail -1 || true)"
if [[ -z "$deb" ]]; then
    log "resolving linux-source-$series in: $suites"
    # shellcheck disable=SC2086 # one suite per word
    private_apt_update "$apt_dir" $suites
    (cd "$src_cache" && sapt apt-get download "linux-source-$series" >/dev/null 2>&1) \
        || die "cannot download linux-source-$series from $suites"
    deb="$(ls -1 "$src_cache"/linux-source-"$series"_*.deb | sort -V | tail -1)"
fi
pkg_version="$(dpkg-deb -f "$deb" Version)"
stamp="$(printf '%s\n' "$pkg_version" | cat - "$fragment" | sha256sum | cut -c1-12)"
log "source: linux-source-$series $pkg_version (config stamp $stamp)"

# 2. Reuse a kernel built from the same source and fragment.
for d in "$cache"/kernel/"$series".*-llm; do
    if [[ -r "$d/vmlinuz" && "$(cat "$d/stamp" 2>/dev/null)" == "$stamp" ]]; then
        log "kernel cached: $(cat "$d/version")"
        echo "$d"; exit 0
    fi
done

# 3. Unpack, configure, check, build.
work="$cache/kernel-build/$series"
rm -rf "$work"; mkdir -p "$work"
t0=$(date +%s)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards '*/linux-source-*.tar.*'
tarball="$(find "$work" -name "linux-source-$series.tar.*" | head -1)"
[[ -n "$tarball" ]] || die "no source tarball in $deb"
tar -xf "$tarball" -C "$work"
rm -rf "$work/usr"
tree="$work/linux-source-$series"
[[ -r "$tree/Makefile" ]] || die "unexpected layout in $tarball"
log "unpacked in $(( $(date +%s) - t0 )) s"

make -C "$tree" -s tinyconfig >/dev/null
(cd "$tree" && KCONFIG_CONFIG=.config scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null)
make -C "$tree" -s olddefconfig >/dev/null
missing=()
while read -r line; do
    [[ "$line" =~ ^CONFIG_[A-Z0-9_]+= ]] || continue
    grep -qx -- "$line" "$tree/.config" || missing+=("$line")
done <"$fragment"
[[ ${#missing[@]} -eq 0 ]] || die "Kconfig dropped (a dependency is off): ${missing[*]}"

t1=$(date +%s)
log "building bzImage with $jobs jobs"
make -C "$tree" -s -j"$jobs" bzImage >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; die "kernel build failed (log: $work/build.log)"; }
kver="$(make -C "$tree" -s kernelversion)"
log "built $kver in $(( $(date +%s) - t1 )) s (unpack and config $(( t1 - t0 )) s)"

out="$cache/kernel/$kver-llm"
rm -rf "$out"; mkdir -p "$out"
cp "$tree/arch/x86/boot/bzImage" "$out/vmlinuz"
cp "$tree/.config" "$out/config"
cp "$tree/vmlinux" "$out/vmlinux"
echo "$kver-llm" >"$out/version"
echo "$stamp" >"$out/stamp"
echo "$(( $(date +%s) - t0 ))" >"$out/build-seconds"
rm -rf "$work"
log "kernel $kver-llm cached in $out"
echo "$out"
