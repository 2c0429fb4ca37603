#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Page faults and first-touch time for 1 GiB of model weights on 4 KiB
# pages, transparent huge pages and hugetlbfs 2 MiB pages, and the time of
# one matrix pass over those weights (llm-bench, inference mode: one
# forward pass per token), in one run, interleaved, medians over repeats. llm-schedd itself (memory-only mode,
# scheduler off) reserves the pool and mounts hugetlbfs, and the buffers
# come from the project's C API (tests/vm/tools/weights.c), so this measures
# what a workload on a host with this policy gets. Target (memory issue):
# at least 400x fewer faults with 2 MiB pages than with 4 KiB (the limit is
# 512x). Runs on the host: real CPU, real TLB and caches.
#
#   sudo bench/hugepage-faults.sh [BUILD_DIR]     (BENCH_MB=1024 BENCH_REPEATS=7)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
mb="${BENCH_MB:-1024}" repeats="${BENCH_REPEATS:-7}"
out="$build/bench-hugepage-faults"; rm -rf "$out"; mkdir -p "$out"
[[ $(id -u) -eq 0 ]] || { echo "run as root: the daemon reserves a hugetlb pool and mounts hugetlbfs" >&2; exit 1; }
mnt="$out/hugepages"
pages=$(( mb / 2 + 8 ))
. "$root/bench/lib/memory-daemon.sh"
start_memory_daemon "$build" "$out" "$mnt" "$pages" '"thp": { "enabled": "madvise", "defrag": "madvise" },'

: >"$out/runs.txt"
for r in $(seq "$repeats"); do
    for mode in 4k thp hugetlbfs; do
        line=$("$build/tests/vm/weights" --mb "$mb" --mode "$mode" --dir "$mnt")
        "$build/llm-bench" --mode infer --threads "$(nproc)" --weights-mb "$mb" --tokens 8 --memory "$mode" \
            --hugetlbfs "$mnt" --json "$out/pass.json" >/dev/null
        pass_ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["p50_ms"])' "$out/pass.json")
        echo "$mode $line pass_ms=$pass_ms" >>"$out/runs.txt"
    done
done
stop_memory_daemon

python3 - "$out/runs.txt" "$mb" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    mode, *kv = line.split()
    d = dict(x.split("=", 1) for x in kv)
    runs.setdefault(mode, []).append(d)
mb = sys.argv[2]
med = lambda m, k: statistics.median(float(d[k]) for d in runs[m])
base_f, base_t = med("4k", "minflt"), med("4k", "touch_ms")
print(f"first touch of {mb} MiB of weights, medians of {len(runs['4k'])} interleaved runs")
print()
base_p = med("4k", "pass_ms")
print("| pages | got | minor faults | vs 4K | first-touch ms | vs 4K | matrix pass ms | vs 4K |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for m in ("4k", "thp", "hugetlbfs"):
    kinds = sorted({d["kind"] for d in runs[m]})
    f, t, p = med(m, "minflt"), med(m, "touch_ms"), med(m, "pass_ms")
    print(f"| {m} | {'/'.join(kinds)} | {f:.0f} | {base_f / f:.0f}x fewer | {t:.1f} | {base_t / t:.1f}x faster "
          f"| {p:.1f} | {base_p / p:.2f}x |")
PY
echo
echo "daemon: $(grep -c 'memory (start)' "$out/daemon.log") memory actions at start; pool and mount restored on stop:"
grep -E "unmounted|restored" "$out/daemon.log" | sed 's/^[0-9-]* [0-9:.]* //'
