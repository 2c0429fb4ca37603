#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A barrier-synchronised pool beside 2x CPU oversubscription: the pool's
# steps per second quiet and noisy under the kernel's default scheduler,
# under nice -n -20, and under llm-schedd (the pool in a top class), in one
# VM boot, interleaved by repeat. Prints a Markdown table of medians and
# ratios. The issue's target: the pool keeps >= 95% of its quiet rate under
# llm-schedd while the background keeps guard_share_pct of the CPUs.
#
#   sudo bench/gang-pool.sh [BUILD_DIR]   (BENCH_REPEATS=3 BENCH_DURATION=10 BENCH_SHARE=2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
scn="$build/vm/gang-pool.sh"
vcpus="${BENCH_VCPUS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}"
(( vcpus >= 2 )) || vcpus=2
{
    echo "# vcpus: $vcpus"
    for v in BENCH_REPEATS BENCH_DURATION BENCH_SHARE; do
        [[ -n "${!v:-}" ]] && echo "$v=\"${!v}\""
    done
    cat "$root/bench/vm/gang_pool.sh"
} >"$scn"
"$root/tests/vm/run-scenario.sh" "$build" "$scn" >/dev/null || true
res="$build/vm/gang-pool/results.txt"
grep -q '^bench: sched=' "$res" || { echo "no benchmark output; see $build/vm/gang-pool/"; exit 1; }
python3 "$root/bench/gang_pool_report.py" "$res"
