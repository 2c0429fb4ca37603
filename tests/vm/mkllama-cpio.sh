#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An extra initramfs layer for scenarios with "# llama: yes": Debian sid's
# llama.cpp (llama-bench, llama-cli, llama-server with libllama, libggml
# and its CPU backends) and a generated llama-architecture model.
#
#   mkllama-cpio.sh OUT.cpio SOURCE_DIR
#
# sid's llama.cpp needs sid's glibc. The layer carries sid's glibc and C++
# runtime at the paths the base image's loader uses (/lib64,
# /lib/x86_64-linux-gnu), replacing bookworm's there: the kernel unpacks
# layers in order, later files over earlier ones, and bookworm binaries run
# on the newer glibc. libggml loads its CPU backends from a fixed path,
# /usr/lib/x86_64-linux-gnu/ggml/backends0, and picks the best one for the
# (emulated) CPU at run time.
#
# Packages come through a private apt state (scripts/private-apt.sh) into
# LLM_SCHEDD_CACHE/llama (default /var/cache/llm-schedd/llama), once; the
# model is generated there once by bench/llm/gen-gguf.py with sid's gguf
# package. Everything is reused on the next call.
set -euo pipefail
out="$1" src="$(cd "$2" && pwd)"
cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}/llama"
. "$src/scripts/private-apt.sh"

# The libraries the engine's packages depend on, two levels down, by name
# as sid has them today (so a soname bump such as libssl3t64 is followed).
lib_depends() {
    private_apt "$cache/apt" apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
        --no-replaces --no-enhances "$@" 2>/dev/null | awk '$1 ~ /Depends:$/ && $2 ~ /^lib/ { print $2 }' | sort -u \
        || true  # a package sid dropped shows in the download's error below
}
root="$cache/root"
if [[ ! -x "$root/usr/bin/llama-bench" ]]; then
    echo "llama: fetching sid's llama.cpp into $cache" >&2
    private_apt_update "$cache/apt" sid
    engine="llama.cpp-tools libllama0 libggml0 python3-gguf"
    # shellcheck disable=SC2086 # one package per word
    first="$(lib_depends $engine)"
    # shellcheck disable=SC2086
    second="$(lib_depends $first)"
    # shellcheck disable=SC2086
    packages="$(printf '%s\n' $engine $first $second | sort -u | tr '\n' ' ')"
    rm -rf "$cache/debs" "$root.tmp"; mkdir -p "$cache/debs" "$root.tmp"
    # shellcheck disable=SC2086 # one package per word
    (cd "$cache/debs" && private_apt "$cache/apt" apt-get download $packages >/dev/null 2>&1) \
        || { echo "llama: cannot download $packages from sid" >&2; exit 1; }
    for deb in "$cache/debs"/*.deb; do dpkg-deb -x "$deb" "$root.tmp"; done
    rm -rf "$root"; mv "$root.tmp" "$root"
fi
lib="$root/usr/lib/x86_64-linux-gnu"

# The model: dim 256, 4 layers (3.7 M parameters, f32). Under TCG ggml's
# SIMD is emulated: this shape runs a few tokens per second per vCPU.
model="$cache/models/llama-256x4.gguf"
if [[ ! -s "$model" ]]; then
    mkdir -p "$(dirname "$model")"
    PYTHONPATH="$root/usr/lib/python3/dist-packages" /usr/bin/python3 "$src/bench/llm/gen-gguf.py" \
        "$model.tmp" --dim 256 --layers 4 --heads 8 --ff 768 --vocab 512 >&2
    mv "$model.tmp" "$model"
fi

stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib64" "$stage/lib/x86_64-linux-gnu" "$stage/usr/lib/x86_64-linux-gnu" "$stage/usr/bin" "$stage/models"
cp -a "$lib/ld-linux-x86-64.so.2" "$stage/lib64/"
# glibc, the C/C++ runtime and the other libraries fetched, over bookworm's.
for f in "$lib"/*.so*; do
    case "$(basename "$f")" in libggml*|libllama*|libmtmd*) continue ;; esac
    cp -a "$f" "$stage/lib/x86_64-linux-gnu/"
done
cp -a "$lib/ld-linux-x86-64.so.2" "$stage/lib/x86_64-linux-gnu/"
# llama.cpp: the libraries, the tools' implementation libraries, the backends.
cp -a "$lib"/libggml*.so* "$lib"/libllama*.so* "$lib"/libmtmd.so* "$stage/usr/lib/x86_64-linux-gnu/"
cp -a "$lib/llama" "$lib/ggml" "$stage/usr/lib/x86_64-linux-gnu/"
for b in llama-bench llama-cli llama-server; do cp -a "$root/usr/bin/$b" "$stage/usr/bin/"; done
cp "$model" "$stage/models/llama-256x4.gguf"
. "$src/tests/vm/cpio-lib.sh"
pack_cpio "$stage" "$out"
echo "llama layer: $out ($(du -h "$out" | cut -f1))" >&2
