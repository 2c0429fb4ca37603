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
. "$root/bench/lib/vm-bench.sh"
vm_bench "$build" gang-pool gang_pool.sh '^bench: sched=' "# vcpus: $(bench_vcpus)" BENCH_REPEATS BENCH_DURATION BENCH_SHARE
python3 "$root/bench/gang_pool_report.py" "$res"
