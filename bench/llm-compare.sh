#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The product's benchmark: llm-bench (bench/llm-bench) in the VM under
# (a) the kernel's default scheduler, (b) taskset + nice -20 for the job,
# (c) llm-schedd with a training policy; without and with ~2x CPU
# oversubscription noise; training on 4K, THP and hugetlbfs weights, and
# inference decode; plus hackbench for the scheduler's overhead. All in one
# VM boot, interleaved by repeat. Prints Markdown tables of medians and
# ratios, and writes plots to docs/bench/ when gnuplot is there.
#
# The VM is emulated (TCG): absolute times mean little and caches and TLBs
# are not modelled. Read the ratios.
#
#   sudo bench/llm-compare.sh [BUILD_DIR]
#       BENCH_REPEATS=3 BENCH_DURATION=8 (s per run) BENCH_WEIGHTS_MB=32 BENCH_MEMORY="4k thp hugetlbfs"
#       BENCH_VCPUS (default: the host's cores, 2 to 4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
scn="$build/vm/llm-compare.sh"
# vCPUs: as many as the host has cores (at most 4). With more vCPUs than
# cores, a vCPU slows down whenever the others get busy, so noise would slow
# the job whatever the guest's scheduler does.
vcpus="${BENCH_VCPUS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}"
(( vcpus >= 2 )) || vcpus=2
{
    echo "# vcpus: $vcpus"
    for v in BENCH_REPEATS BENCH_DURATION BENCH_WEIGHTS_MB BENCH_MEMORY; do
        [[ -n "${!v:-}" ]] && echo "$v=\"${!v}\""
    done
    cat "$root/bench/vm/llm_compare.sh"
} >"$scn"
"$root/tests/vm/run-scenario.sh" "$build" "$scn" >/dev/null || true
res="$build/vm/llm-compare/results.txt"
grep -q '^bench: sched=' "$res" || { echo "no benchmark output; see $build/vm/llm-compare/"; exit 1; }
mkdir -p "$root/docs/bench"
# Plots need gnuplot (Debian's gnuplot-nox); install it once if apt can.
command -v gnuplot >/dev/null || apt-get install -y -q gnuplot-nox >/dev/null 2>&1 || echo "no gnuplot: tables only"
python3 "$root/bench/llm_compare_report.py" "$res" "$root/docs/bench"
