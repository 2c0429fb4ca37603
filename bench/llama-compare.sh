#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# llama.cpp inference beside CPU noise: token generation (llama-bench,
# sid's llama.cpp on a generated llama-architecture model; see
# tests/vm/mkllama-cpio.sh) quiet and beside 2x oversubscription, under the
# default scheduler, `nice -n -20` and llm-schedd, interleaved by repeat in
# one VM boot (bench/vm/llama_compare.sh). Prints a Markdown table of
# medians and ratios. The issue's target: beside the noise, at least 90% of
# the quiet rate, and at least what nice -20 keeps.
#
#   sudo bench/llama-compare.sh [BUILD_DIR]   (BENCH_REPEATS=3 BENCH_TOKENS=16 BENCH_VCPUS=2)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:-$root/build}" && pwd)"
scn="$build/vm/llama-compare.sh"
{
    echo "# vcpus: ${BENCH_VCPUS:-2}"
    for v in BENCH_REPEATS BENCH_TOKENS; do
        [[ -n "${!v:-}" ]] && echo "$v=\"${!v}\""
    done
    cat "$root/bench/vm/llama_compare.sh"
} >"$scn"
"$root/tests/vm/run-scenario.sh" "$build" "$scn" >/dev/null || true
res="$build/vm/llama-compare/results.txt"
grep -q '^bench: case=' "$res" || { echo "no benchmark output; see $build/vm/llama-compare/"; exit 1; }
/usr/bin/python3 - "$res" <<'PY'
import statistics, sys
samples = {}
for line in open(sys.argv[1], errors="replace"):
    if line.startswith("bench: case="):
        kv = dict(part.split("=", 1) for part in line.split()[1:])
        samples.setdefault(kv["case"], []).extend(float(x) for x in kv.get("samples", "").split(",") if x)
med = {c: statistics.median(v) for c, v in samples.items() if v}
print("| scheduler | quiet tokens/s | beside 2x noise | noisy / quiet | samples |")
print("|---|---:|---:|---:|---:|")
for label, quiet, noisy in (("default", "default_quiet", "default_noisy"),
                            ("`nice -n -20`", "default_quiet", "nice_noisy"),
                            ("llm-schedd", "llm_quiet", "llm_noisy")):
    if quiet in med and noisy in med:
        print(f"| {label} | {med[quiet]:.1f} | {med[noisy]:.1f} | {med[noisy] / med[quiet]:.2f} | {len(samples[noisy])} |")
if "llm_noisy" in med and "nice_noisy" in med:
    print(f"\nMedians of every sample (5 per run). Target: llm-schedd noisy/quiet >= 0.90 and >= nice -20's; "
          f"llm-schedd keeps {med['llm_noisy'] / med['llm_quiet']:.2f}, nice -20 {med['nice_noisy'] / med['default_quiet']:.2f}, "
          f"llm-schedd/nice noisy {med['llm_noisy'] / med['nice_noisy']:.2f}.")
PY
