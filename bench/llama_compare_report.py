#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tables (Markdown, stdout) and a plot (OUTDIR/llama-compare-latency.png,
with gnuplot) from the "bench:" lines of bench/vm/llama_compare.sh:
llama-bench tokens/s and llama-server per-token latency per case.

    llama_compare_report.py RESULTS.txt OUTDIR"""
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

results, outdir = Path(sys.argv[1]), Path(sys.argv[2])
rates, itl, ttft = {}, {}, {}
for line in results.read_text(errors="replace").splitlines():
    if not line.startswith("bench: case="):
        continue
    kv = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
    for key, into in (("samples", rates), ("itl", itl), ("ttft", ttft)):
        if key in kv:
            into.setdefault(kv["case"], []).extend(float(x) for x in kv[key].split(",") if x)


def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))]


CASES = (("default", "default_quiet", "default_noisy"),
         ("`nice -n -20`", "default_quiet", "nice_noisy"),
         ("llm-schedd", "llm_quiet", "llm_noisy"))
med = {c: statistics.median(v) for c, v in rates.items() if v}
if med:
    print("llama-bench token generation, tokens/s (medians of every sample, 5 per run)\n")
    print("| scheduler | quiet | beside 2x noise | noisy / quiet | samples |")
    print("|---|---:|---:|---:|---:|")
    for label, quiet, noisy in CASES:
        if quiet in med and noisy in med:
            print(f"| {label} | {med[quiet]:.1f} | {med[noisy]:.1f} | {med[noisy] / med[quiet]:.2f} | {len(rates[noisy])} |")
    if {"llm_noisy", "llm_quiet", "nice_noisy", "default_quiet"} <= med.keys():
        print(f"\nTarget: llm-schedd noisy/quiet >= 0.90 and >= nice -20's; llm-schedd keeps "
              f"{med['llm_noisy'] / med['llm_quiet']:.2f}, nice -20 {med['nice_noisy'] / med['default_quiet']:.2f}, "
              f"llm-schedd/nice noisy {med['llm_noisy'] / med['nice_noisy']:.2f}.")

order = ("default_quiet", "default_noisy", "nice_noisy", "llm_noisy", "llm_quiet")
if itl:
    print("\nllama-server streamed completions, per-token latency in ms (every token of every run)\n")
    print("| case | tokens | p50 | p90 | p99 | max | time to first token, median |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for c in order:
        if itl.get(c):
            x = itl[c]
            first = f"{statistics.median(ttft[c]):.0f}" if ttft.get(c) else "-"
            print(f"| {c} | {len(x)} | {pct(x, 50):.1f} | {pct(x, 90):.1f} | {pct(x, 99):.1f} | {max(x):.1f} | {first} |")
    if itl.get("llm_noisy") and itl.get("nice_noisy") and itl.get("default_noisy"):
        l, n, d = (pct(itl[c], 99) for c in ("llm_noisy", "nice_noisy", "default_noisy"))
        q = pct(itl["llm_quiet"], 99) if itl.get("llm_quiet") else float("nan")
        print(f"\nPer-token p99 beside the noise: llm-schedd {l:.1f} ms, nice -20 {n:.1f}, default {d:.1f}; "
              f"llm-schedd noisy/quiet {l / q:.2f}, llm-schedd/nice {l / n:.2f}, default/llm-schedd {d / l:.1f}.")

if itl and shutil.which("gnuplot"):
    outdir.mkdir(parents=True, exist_ok=True)
    data = outdir / "llama-compare-latency.dat"
    with data.open("w") as f:
        f.write("# case p50 p90 p99 (ms, per token, llama-server)\n")
        for c in order:
            if itl.get(c):
                f.write(f'"{c}" {pct(itl[c], 50):.2f} {pct(itl[c], 90):.2f} {pct(itl[c], 99):.2f}\n')
    png = outdir / "llama-compare-latency.png"
    script = f"""
set terminal pngcairo size 900,500 font ",11" noenhanced
set output "{png}"
set title "llama-server per-token latency beside 2x CPU noise (VM, TCG, 2 vCPUs)"
set ylabel "ms per token (log scale)"
set logscale y
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set key top right
set grid ytics
plot "{data}" using 2:xtic(1) title "p50", "" using 3 title "p90", "" using 4 title "p99"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"\nplot: {png}")
