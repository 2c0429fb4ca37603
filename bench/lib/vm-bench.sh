# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Sourced by the VM benchmarks (bench/*.sh): one boot of a guest script from
# bench/vm/, with the BENCH_* knobs that are set handed in.
#
#   vm_bench BUILD NAME GUEST PATTERN HEADER [VAR...]
#       writes BUILD/vm/NAME.sh: HEADER (scenario header lines such as
#       "# vcpus: 2", or empty), VAR="value" for each VAR set here, then
#       bench/vm/GUEST; boots it (tests/vm/run-scenario.sh); sets res to
#       BUILD/vm/NAME/results.txt, and exits 1 when no line of it matches
#       the grep PATTERN (the boot died or timed out: its files are there).
#   bench_vcpus
#       BENCH_VCPUS, else as many vCPUs as the host has cores, 2 to 4: with
#       more vCPUs than cores a busy vCPU slows the others, so noise would
#       slow the job whatever the guest's scheduler does.
vm_bench() {
    local build="$1" name="$2" guest="$3" pattern="$4" header="$5" v root
    shift 5
    root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    {
        [[ -z "$header" ]] || printf '%s\n' "$header"
        for v in "$@"; do
            [[ -z "${!v:-}" ]] || echo "$v=\"${!v}\""
        done
        cat "$root/bench/vm/$guest"
    } >"$build/vm/$name.sh"
    "$root/tests/vm/run-scenario.sh" "$build" "$build/vm/$name.sh" >/dev/null || true
    res="$build/vm/$name/results.txt"
    grep -q "$pattern" "$res" 2>/dev/null || { echo "no benchmark output; see $build/vm/$name/"; exit 1; }
}

bench_vcpus() {
    local n="${BENCH_VCPUS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}"
    (( n >= 2 )) || n=2
    echo "$n"
}
