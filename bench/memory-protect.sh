#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Memory that follows pressure, measured: a protected class's step time
# beside a live memory hog, with and without "memory": {"protect": ...},
# against its time alone, in one VM boot with zram swap
# (bench/vm/memory_protect.sh says how). Prints a Markdown table of medians
# and p99s per case, over every step after the first BENCH_WARMUP of each
# run (the controller's reaction time; whole-run figures too), and the
# hog's state. The issue's target: protected step p99 <= 1.2x quiet, with
# the hog alive.
#
#   sudo bench/memory-protect.sh [BUILD_DIR]   (BENCH_REPEATS=3 BENCH_STEPS=200 BENCH_WARMUP=50 BENCH_SLACK_MB=16)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
. "$root/bench/lib/vm-bench.sh"
vm_bench "$build" memory-protect memory_protect.sh '^bench: case=.* ms=' "" BENCH_REPEATS BENCH_STEPS BENCH_SLACK_MB
/usr/bin/python3 - "$res" "${BENCH_WARMUP:-50}" <<'PY'
import statistics, sys
warm = int(sys.argv[2])
steps, ends = {}, {}
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("bench: case="):
        continue
    kv = dict(p.split("=", 1) for p in line.split()[1:] if "=" in p)
    if "ms" in kv:
        steps.setdefault(kv["case"], []).append((int(kv["step"]), float(kv["ms"])))
    else:
        ends.setdefault(kv["case"], []).append(kv)

def pct(xs, p):
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, -(-p * len(s) // 100) - 1))]

settled = {c: [ms for n, ms in v if n > warm] for c, v in steps.items()}
whole = {c: [ms for _, ms in v] for c, v in steps.items()}
print(f"Train step (allocate, touch, free 64 MiB) in ms; settled = steps after the first {warm} of each run\n")
print("| case | steps | settled p50 | settled p99 | p99 / quiet p99 | whole-run p99 | hog alive at the end | hog's memory.high at the end (MiB) | hog resident at the end (MiB) |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
q99 = pct(settled["quiet"], 99) if settled.get("quiet") else float("nan")
for c in ("quiet", "unprotected", "protected"):
    if not settled.get(c):
        continue
    e = ends.get(c, [])
    alive = f"{sum(x['hog_alive'] == 'yes' for x in e)} of {len(e)}" if c != "quiet" else "-"
    high = statistics.median(int(x["batch_high"]) >> 20 for x in e) if e and c != "quiet" else "-"
    cur = statistics.median(int(x["batch_current"]) >> 20 for x in e) if e and c != "quiet" else "-"
    print(f"| {c} | {len(settled[c])} | {statistics.median(settled[c]):.0f} | {pct(settled[c], 99):.0f} | "
          f"{pct(settled[c], 99) / q99:.2f} | {pct(whole[c], 99):.0f} | {alive} | {high} | {cur} |")
PY
