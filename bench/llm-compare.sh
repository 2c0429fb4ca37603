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
# Then the real engines' rows: llama.cpp (bench/llama-compare.sh) and
# model load (bench/model-load.sh), and PyTorch (bench/torch-compare.sh)
# with BENCH_TORCH=1.
#
#   sudo bench/llm-compare.sh [BUILD_DIR]
#       BENCH_REPEATS=3 BENCH_DURATION=8 (s per run) BENCH_WEIGHTS_MB=32 BENCH_MEMORY="4k thp hugetlbfs"
#       BENCH_REAL=0 (llm-bench only) BENCH_TORCH=1 (add PyTorch)
#       BENCH_VCPUS (default: the host's cores, 2 to 4)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
. "$root/bench/lib/vm-bench.sh"
vm_bench "$build" llm-compare llm_compare.sh '^bench: sched=' "# vcpus: $(bench_vcpus)" \
    BENCH_REPEATS BENCH_DURATION BENCH_WEIGHTS_MB BENCH_MEMORY
mkdir -p "$root/docs/bench"
# Plots need gnuplot (Debian's gnuplot-nox); install it once if apt can.
command -v gnuplot >/dev/null || apt-get install -y -q gnuplot-nox >/dev/null 2>&1 || echo "no gnuplot: tables only"
python3 "$root/bench/llm_compare_report.py" "$res" "$root/docs/bench"

# The real engines' rows (issue 16), each its own boot or host run:
# llama.cpp tokens/s and per-token latency from llama-server (VM), model
# load from hugetlbfs against the page cache (host CPU); PyTorch's pipeline
# only with BENCH_TORCH=1 (under TCG its noisy runs take seconds per step:
# docs/benchmarks.md). BENCH_REAL=0 leaves them all out.
if [[ "${BENCH_REAL:-1}" != 0 ]]; then
    echo; echo "## llama.cpp (bench/llama-compare.sh)"; echo
    "$root/bench/llama-compare.sh" "$build" || echo "llama-compare failed"
    echo; echo "## Model load (bench/model-load.sh)"; echo
    "$root/bench/model-load.sh" "$build" || echo "model-load failed"
    if [[ "${BENCH_TORCH:-0}" != 0 ]]; then
        echo; echo "## PyTorch (bench/torch-compare.sh)"; echo
        "$root/bench/torch-compare.sh" "$build" || echo "torch-compare failed"
    fi
fi
