#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# An extra initramfs layer for scenarios with "# torch: yes": the host's
# Python 3 with Debian's PyTorch (python3-torch 1.13, from bookworm:
# scripts/packages.txt installs it) and numpy, every shared library their
# extension modules load (the ldd closure: libtorch alone pulls in about
# 280), and the project's Python package with its C library from the build.
# bookworm's glibc is the base image's, so no loader games are needed (the
# llama layer's sid glibc is never in the same boot).
#
#   mktorch-cpio.sh OUT.cpio SOURCE_DIR BUILD_DIR
#
# About 650 MiB, unpacked by the guest kernel into RAM: scenarios that use
# it ask for "# memory: 3072". Rebuilt only when the package or the
# library changed since the last one.
set -euo pipefail
out="$1" src="$(cd "$2" && pwd)" build="$(cd "$3" && pwd)"
py="$(readlink -f /usr/bin/python3)"
dist=/usr/lib/python3/dist-packages
lib="$build/libllm_schedd_client.so.0"
[[ -d "$dist/torch" && -d "$dist/numpy" ]] || { echo "torch layer: python3-torch and python3-numpy are not installed (scripts/setup.sh)" >&2; exit 1; }
[[ -r "$lib" ]] || { echo "torch layer: $lib missing (build first)" >&2; exit 1; }
if [[ -s "$out" && -z "$(find "$src/python/llm_schedd" "$src/bench/llm" "$(readlink -f "$lib")" -newer "$out" -print -quit)" ]]; then
    exit 0
fi

stage="$(mktemp -d)"; trap 'rm -rf "$stage"' EXIT
. "$src/tests/vm/cpio-lib.sh"
stage_binary "$stage" "$py" /usr/bin/python3
pyver="$(basename "$py")"
mkdir -p "$stage/usr/lib" "$stage$dist"
# The standard library, less what no job imports.
(cd /usr/lib && tar cf - --exclude="$pyver/test" --exclude="$pyver/idlelib" --exclude="$pyver/tkinter" \
    --exclude="$pyver/turtledemo" --exclude="$pyver/ensurepip" --exclude="$pyver/lib2to3" "$pyver") |
    tar xf - -C "$stage/usr/lib"
# What `import torch, torch.distributed` loads from dist-packages.
for m in torch numpy typing_extensions.py six.py astunparse certifi _distutils_hack; do
    if [[ -e "$dist/$m" ]]; then cp -a "$dist/$m" "$stage$dist/"; fi
done
rm -rf "$stage$dist/torch/include" "$stage$dist/torch/share"
# torch/lib links to the libraries where Debian keeps them (some are
# dlopen()ed, so ldd would not find them): bring each target along.
find "$stage" -type l | while read -r link; do
    p="${link#"$stage"}"
    while [[ -L "$p" ]]; do  # every hop of the chain: libx.so -> libx.so.1.13 -> libx.so.1.13.0
        p="$(realpath -ms "$(dirname "$p")/$(readlink "$p")")"
        if [[ -e "$p" && ! -e "$stage$p" ]]; then mkdir -p "$stage$(dirname "$p")"; cp -a "$p" "$stage$p"; fi
    done
done
# Every library the extension modules link.
find "$stage" -name '*.so*' -type f | while read -r so; do
    ldd "$so" 2>/dev/null | grep -oE '/[^ ]+' | while read -r l; do
        [[ -e "$l" && ! -e "$stage$l" ]] || continue
        mkdir -p "$stage$(dirname "$l")"; cp -L "$l" "$stage$l"
    done || true  # a module that links nothing
done
# The project's package and library.
cp -a "$src/python/llm_schedd" "$stage$dist/"
cp -L "$lib" "$stage$dist/llm_schedd/libllm_schedd_client.so.0"
mkdir -p "$stage/opt/llm"; cp -a "$src/bench/llm/"*.py "$stage/opt/llm/"
find "$stage" -name __pycache__ -path '*llm_schedd*' -prune -exec rm -rf {} +
pack_cpio "$stage" "$out"
echo "torch layer: $out ($(du -h "$out" | cut -f1))" >&2
