#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs every test: unit and CLI tests, the same under ASan+UBSan, 45 s
# of fuzzing per libFuzzer target, the Debian package built, installed and
# purged on this host, and the VM lane on the real
# sched_ext kernel. Installs what it needs first (scripts/setup.sh). Exits
# non-zero if anything fails.
#
#   sudo scripts/test.sh
#   LLM_TEST_SKIP_VM=1 scripts/test.sh     (no VM lane)
#   LLM_TEST_FUZZ_SECONDS=N                 (fuzzing time per target; default 45)
#   LLM_TEST_KERNELS=all                    (the whole VM lane on every cached kernel)
#   LLM_TEST_KERNELS="6.12.95-llm 6.19.14+deb13-amd64"    (on these, by cache name)
#   LLM_TEST_SKIP_612=1                     (default run: no 6.12 build and subset)
#   LLM_TEST_SKIP_PACKAGE=1                 (no Debian package build and install test)
#
# By default the VM lane runs whole on the newest kernel (setup.sh), then
# scripts/build-kernel.sh builds (or reuses) the 6.12 kernel and the
# scenarios marked "# kernel-subset: yes" run on it. The newest kernel's
# results land in build/vm/, another's in build/vm-VERSION/, and one line
# per scenario and kernel in build/vm-matrix.tsv.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $(id -u) -eq 0 ]] || exec sudo -E "$0" "$@"
jobs="$(nproc)"
t0=$(date +%s)
step() { printf '\n=== %s (%ds)\n' "$*" "$(( $(date +%s) - t0 ))"; }

step "setup"
"$root/scripts/setup.sh" >/dev/null

step "build (RelWithDebInfo, warnings are errors)"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS=-Werror -DCMAKE_C_FLAGS=-Werror >/dev/null
cmake --build "$root/build" -j"$jobs"

step "unit, CLI and Python tests"
(cd "$root/build" && ctest -L 'unit|cli|python' -j"$jobs" --output-on-failure)

step "ASan+UBSan build"
cmake -S "$root" -B "$root/build-asan" -DCMAKE_BUILD_TYPE=Debug -DLLM_SANITIZE=ON -DLLM_VM_TESTS=OFF >/dev/null
cmake --build "$root/build-asan" -j"$jobs" --target llm-unit-tests llm-schedd llm-schedctl llm-bench man

step "unit and CLI tests under ASan+UBSan"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -L 'unit|cli' -j"$jobs" --output-on-failure)

step "fuzzing: libFuzzer, clang-19, ${LLM_TEST_FUZZ_SECONDS:-45} s per target (scripts/fuzz.sh)"
"$root/scripts/fuzz.sh" "${LLM_TEST_FUZZ_SECONDS:-45}"

if [[ -z "${LLM_TEST_SKIP_PACKAGE:-}" ]]; then
    step "Debian package: build, lintian, install, verify, purge (tests/package/deb.sh)"
    "$root/tests/package/deb.sh" "$root" "$root/build/deb"
fi

cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}"
matrix="$root/build/vm-matrix.tsv"
# One kernel: the lane (or its subset) on it, a line per scenario in the matrix.
# The default kernel's results stay in build/vm/ (TAG empty), others' in build/vm-TAG/.
lane_on() {
    local kdir="$1" label="$2" tag="$3" ver rc=0
    ver="$(cat "$kdir/version")"
    "$root/scripts/check-kernel-enums.py" "$kdir"
    (cd "$root/build" && LLM_SCHEDD_KERNEL_DIR="$kdir" LLM_VM_TAG="$tag" \
        ctest -L "$label" --output-on-failure -O "$root/build/vm-$ver.ctest.log") || rc=$?
    awk -v ver="$ver" -v day="$(date +%F)" '/Test +#[0-9]+: vm\./ {
        name = $0; sub(/.*: vm\./, "", name); sub(/ .*/, "", name)
        res = ($0 ~ /Passed/) ? "passed" : ($0 ~ /Timeout/) ? "timeout" : "failed"
        print ver "\t" name "\t" res "\t" day }' "$root/build/vm-$ver.ctest.log" >>"$matrix"
    return $rc
}

if [[ -z "${LLM_TEST_SKIP_VM:-}" ]]; then
    : >"$matrix"
    if [[ -n "${LLM_TEST_KERNELS:-}" ]]; then
        kernels=()
        if [[ "$LLM_TEST_KERNELS" == all ]]; then
            for d in "$cache"/kernel/*/; do
                d="${d%/}"
                [[ -L "$d" || ! -r "$d/vmlinuz" || ! -r "$d/version" ]] || kernels+=("$d")
            done
        else
            for v in $LLM_TEST_KERNELS; do kernels+=("$cache/kernel/$v"); done
        fi
        failed=0
        for kdir in "${kernels[@]}"; do
            [[ -r "$kdir/vmlinuz" ]] || { echo "test: no kernel in $kdir (setup.sh or build-kernel.sh)"; exit 1; }
            step "VM lane on $(cat "$kdir/version")"
            lane_on "$kdir" vm "$(cat "$kdir/version")" || failed=1
        done
        [[ $failed -eq 0 ]] || { step "VM lane failed on a kernel: see $matrix"; exit 1; }
    else
        step "VM lane (real sched_ext kernel under qemu)"
        lane_on "$("$root/scripts/setup.sh" 2>/dev/null | tail -1)" vm ""
        if [[ -z "${LLM_TEST_SKIP_612:-}" ]]; then
            step "6.12 test kernel (scripts/build-kernel.sh; cached after the first build)"
            k612="$("$root/scripts/build-kernel.sh" 6.12 | tail -1)"
            step "VM lane subset on $(cat "$k612/version")"
            lane_on "$k612" vm_subset "$(cat "$k612/version")"
        fi
    fi
fi
step "all tests passed"
