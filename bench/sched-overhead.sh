#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Scheduler overhead: hackbench (-g 4 -l 200) throughput under llm_sched
# against the kernel's default scheduler, in the same VM boot. Prints a
# table of medians and the ratio. Absolute times under the TCG emulator mean
# little; the ratio is the result.
#
#   sudo bench/sched-overhead.sh [BUILD_DIR]      (BENCH_ROUNDS=5)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
. "$root/bench/lib/vm-bench.sh"
BENCH_ROUNDS="${BENCH_ROUNDS:-5}"
vm_bench "$build" sched-overhead sched_overhead.sh '^bench:' "" BENCH_ROUNDS
python3 - "$res" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    if line.startswith("bench: "):
        _, label, secs = line.split()
        runs.setdefault(label, []).append(float(secs))
d, l = runs["default"], runs["llm_sched"]
md, ml = statistics.median(d), statistics.median(l)
print("| scheduler | runs | median (s) | min | max |")
print("|---|---|---|---|---|")
for name, xs in (("default (EEVDF)", d), ("llm_sched", l)):
    print(f"| {name} | {len(xs)} | {statistics.median(xs):.3f} | {min(xs):.3f} | {max(xs):.3f} |")
print(f"\nllm_sched / default (median time): {ml / md:.3f}  ({(ml / md - 1) * 100:+.1f}%)")
PY
