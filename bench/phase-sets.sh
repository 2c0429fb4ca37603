#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Soft phase sets against strict ones and none: a single process that runs
# forward, then backward, on the same threads (bench/vm/phase_sets.sh), in
# one VM boot, interleaved by repeat. Prints a Markdown table of medians
# and ratios. The issue's target: with soft sets such a job runs at most 2%
# slower than with no phase sets.
#
#   sudo bench/phase-sets.sh [BUILD_DIR]   (BENCH_REPEATS=3 BENCH_DURATION=8 BENCH_SWITCH_MS=500)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
. "$root/bench/lib/vm-bench.sh"
vm_bench "$build" phase-sets phase_sets.sh '^bench: sets=' "# vcpus: $(bench_vcpus)" BENCH_REPEATS BENCH_DURATION BENCH_SWITCH_MS
/usr/bin/python3 - "$res" <<'PY'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("bench: sets="):
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        runs.setdefault(kv["sets"], []).append(kv)
med = lambda sets, f: statistics.median(float(r[f]) for r in runs[sets])
base = med("none", "steps_per_s")
print("| phase sets | steps/s | vs none | step p50 (us) | step p99 (us) | phase flips | runs on lent CPUs |")
print("|---|---:|---:|---:|---:|---:|---:|")
for sets, label in (("none", "(a) none"), ("strict", "(b) strict"), ("soft", "(c) soft (default)")):
    rate = med(sets, "steps_per_s")
    print(f"| {label} | {rate:.1f} | {rate / base:.3f} | {med(sets, 'p50_us'):.0f} | {med(sets, 'p99_us'):.0f} "
          f"| {med(sets, 'flips'):.0f} | {med(sets, 'borrows'):.0f} |")
print(f"\n{len(runs['soft'])} repeats; medians. Target: soft >= 0.98 of none; "
      f"soft keeps {med('soft', 'steps_per_s') / base * 100:.1f}%, strict {med('strict', 'steps_per_s') / base * 100:.1f}%.")
PY
