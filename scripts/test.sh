#!/usr/bin/env bash
# Runs every test: unit and CLI tests, the same under ASan+UBSan, 45 s
# of fuzzing per libFuzzer target, and the VM lane on the real
# sched_ext kernel. Installs what it needs first (scripts/setup.sh). Exits
# non-zero if anything fails.
#
#   sudo scripts/test.sh
#   LLM_TEST_SKIP_VM=1 scripts/test.sh     (no VM lane)
#   LLM_TEST_FUZZ_SECONDS=N                 (fuzzing time per target; default 45)
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
cmake --build "$root/build-asan" -j"$jobs" --target llm-unit-tests llm-schedd llm-schedctl llm-bench

step "unit and CLI tests under ASan+UBSan"
(cd "$root/build-asan" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest -L 'unit|cli' -j"$jobs" --output-on-failure)

step "fuzzing: libFuzzer, clang-19, ${LLM_TEST_FUZZ_SECONDS:-45} s per target (scripts/fuzz.sh)"
"$root/scripts/fuzz.sh" "${LLM_TEST_FUZZ_SECONDS:-45}"

if [[ -z "${LLM_TEST_SKIP_VM:-}" ]]; then
    step "VM lane (real sched_ext kernel under qemu)"
    (cd "$root/build" && ctest -L vm --output-on-failure)
fi
step "all tests passed"
