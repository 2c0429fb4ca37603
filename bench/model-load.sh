#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Model weights from hugetlbfs against the page cache: llama.cpp's load time
# and the minor faults of mapping the model, in one run, interleaved, medians
# over repeats. llm-schedd (memory-only mode, scheduler off) reserves the
# pool and mounts hugetlbfs as a policy would; `llm-schedctl stage` copies
# the model there (asking the daemon for its mount). Each repeat:
#   map    tests/vm/mapload FILE: mmap(MAP_SHARED | MAP_POPULATE), what
#          llama.cpp's loader does, alone: its time, faults, page size;
#   llama  Debian sid's llama-completion loading FILE and generating one
#          token: its own "load time", and the whole process's faults.
# Three sides: the model read from disk (the page cache dropped before each
# run: a host whose cache was evicted), from the page cache (warm), and
# staged on hugetlbfs (in memory for as long as the mount keeps it). Runs on the host CPU: no
# sched_ext is needed for this. Targets (issue 16): at least 100x fewer
# minor faults from hugetlbfs; llama.cpp issue 12444 saw about 10x faster
# loads of a very large model.
#
#   sudo bench/model-load.sh [BUILD_DIR]
#     BENCH_REPEATS=7  BENCH_MODEL=FILE (default: a generated llama model,
#     dim 2048, 10 layers, f16, 1.0 GiB, cached beside the VM lane's)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
repeats="${BENCH_REPEATS:-7}"
cache="${LLM_SCHEDD_CACHE:-/var/cache/llm-schedd}/llama"
out="$build/bench-model-load"; rm -rf "$out"; mkdir -p "$out"
[[ $(id -u) -eq 0 ]] || { echo "run as root: the daemon reserves a hugetlb pool and mounts hugetlbfs" >&2; exit 1; }

# llama.cpp: the lane's copy of sid's packages (fetched on first use).
[[ -x "$cache/root/usr/bin/llama-completion" ]] || "$root/tests/vm/mkllama-cpio.sh" "$out/llama.cpio" "$root" >/dev/null
lib="$cache/root/usr/lib/x86_64-linux-gnu"
backend="$lib/ggml/backends0/libggml-cpu-x64.so"
for b in haswell skylakex icelake zen4; do  # the best one this CPU runs, as ggml would pick
    case $b in haswell) flag=avx2 ;; skylakex) flag=avx512f ;; icelake) flag=avx512_vnni ;; zen4) flag=avx512_bf16 ;; esac
    grep -qw "$flag" /proc/cpuinfo && [[ -e "$lib/ggml/backends0/libggml-cpu-$b.so" ]] && backend="$lib/ggml/backends0/libggml-cpu-$b.so"
done
# sid's binaries run on sid's loader and libraries, beside the host's.
llama=(env GGML_BACKEND_PATH="$backend" "$lib/ld-linux-x86-64.so.2" --library-path "$lib:$lib/llama"
       "$cache/root/usr/bin/llama-completion" -p hi -n 1 -no-cnv --no-warmup -t "$(nproc)")

model="${BENCH_MODEL:-$cache/models/llama-2048x10-f16.gguf}"
if [[ ! -s "$model" ]]; then
    mkdir -p "$(dirname "$model")"
    PYTHONPATH="$cache/root/usr/lib/python3/dist-packages" /usr/bin/python3 "$root/bench/llm/gen-gguf.py" \
        "$model.tmp" --dim 2048 --layers 10 --heads 16 --ff 5632 --type f16
    mv "$model.tmp" "$model"
fi
mb=$(( $(stat -c %s "$model") >> 20 ))

mnt="$out/hugepages"
. "$root/bench/lib/memory-daemon.sh"
start_memory_daemon "$build" "$out" "$mnt" $(( mb / 2 + 8 ))

t0=$(date +%s%N)
staged=$("$build/llm-schedctl" --socket "$out/control.sock" stage "$model")
stage_ms=$(( ($(date +%s%N) - t0) / 1000000 ))

: >"$out/runs.txt"
for r in $(seq "$repeats"); do
    for side in cold pagecache hugetlbfs; do
        file=$model; [[ $side == hugetlbfs ]] && file=$staged
        [[ $side == cold ]] && { sync; echo 1 >/proc/sys/vm/drop_caches; }
        echo "$side map $("$build/tests/vm/mapload" "$file")" >>"$out/runs.txt"
        [[ $side == cold ]] && echo 1 >/proc/sys/vm/drop_caches
        # Its log thread sometimes loses the last lines at exit (perf
        # included): such a run is repeated, up to five times.
        for _ in 1 2 3 4 5; do
            line=$("$build/tests/vm/mapload" --exec "${llama[@]}" -m "$file" 2>"$out/llama.log")
            load=$(sed -n 's/.*load time = *\([0-9.]*\) ms.*/\1/p' "$out/llama.log" | head -1)
            [[ -n $load || $line != *rc=0* ]] && break
        done
        [[ -n $load && $line == *rc=0* ]] || { echo "llama-completion failed on $file ($line):"; tail -3 "$out/llama.log"; exit 1; }
        echo "$side llama $line load_ms=$load" >>"$out/runs.txt"
    done
done
stop_memory_daemon

python3 - "$out/runs.txt" "$model" "$mb" "$stage_ms" "$repeats" <<'PY'
import statistics, sys
runs, (path, mb, stage_ms, n) = {}, sys.argv[2:]
for line in open(sys.argv[1]):
    side, what, *kv = line.split()
    runs.setdefault((side, what), []).append(dict(x.split("=", 1) for x in kv))
med = lambda side, what, k: statistics.median(float(d[k]) for d in runs[(side, what)])
print(f"{path} ({mb} MiB): from disk (page cache dropped), from the page cache (warm), and staged on hugetlbfs "
      f"(2 MiB pages; staging took {stage_ms} ms once); medians of {n} interleaved runs\n")
print("| | disk | page cache | hugetlbfs | hugetlbfs vs page cache | vs disk |")
print("|---|---:|---:|---:|---:|---:|")
rows = [("map", "page_kb", "kernel page size, KiB", "{:.0f}"),
        ("map", "majflt", "major faults, mapping the model", "{:.0f}"),
        ("map", "minflt", "minor faults, mapping the model", "{:.0f}"),
        ("map", "ms", "time to map the model, ms", "{:.1f}"),
        ("llama", "load_ms", "llama.cpp load time, ms", "{:.1f}"),
        ("llama", "minflt", "llama.cpp process, minor faults", "{:.0f}"),
        ("llama", "ms", "llama.cpp run (load + 1 token), ms", "{:.0f}")]
for what, k, label, fmt in rows:
    c, a, b = med("cold", what, k), med("pagecache", what, k), med("hugetlbfs", what, k)
    word = "fewer" if k == "minflt" else "faster"
    ratio = lambda x: "" if k == "page_kb" else f"{x / b:.1f}x {word}" if b else "none" if x else "="
    print(f"| {label} | {fmt.format(c)} | {fmt.format(a)} | {fmt.format(b)} | {ratio(a)} | {ratio(c)} |")
PY
echo
echo "daemon: pool and mount restored on stop:"
grep -E "unmounted|restored" "$out/daemon.log" | sed 's/^[0-9-]* [0-9:.]* //'
