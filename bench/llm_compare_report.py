#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tables (Markdown, stdout) and plots (docs/bench/*.png, with gnuplot) from
the "bench:" lines of bench/vm/llm_compare.sh. Medians over repeats; the
ratios compare runs of the same boot."""
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

results, outdir = Path(sys.argv[1]), Path(sys.argv[2])
runs, overhead = {}, {}
for line in results.read_text().splitlines():
    if line.startswith("bench: overhead "):
        _, _, label, *t = line.split()
        if t:
            overhead.setdefault(label, []).append(float(t[0]))
        continue
    if not line.startswith("bench: sched="):
        continue
    head, _, js = line[len("bench: "):].partition(" {")
    kv = dict(x.split("=", 1) for x in head.split() if "=" in x)
    if not js:
        continue
    r = json.loads("{" + js)
    r.update(cpu_ops=float(kv["cpu_ops"] or 0), hackbench=float(kv["hackbench"] or 0))
    runs.setdefault((kv["sched"], kv["noise"], kv["mem"], kv["mode"]), []).append(r)

def med(key, field):
    xs = [r[field] for r in runs.get(key, [])]
    return statistics.median(xs) if xs else float("nan")

names = {"a": "(a) default", "b": "(b) taskset + nice -20", "c": "(c) llm-schedd",
         "f": "SCHED_FIFO on the default scheduler"}
n = max(len(v) for v in runs.values())
print(f"Training step time (ms), THP weights, medians of {n} runs\n")
print("| scheduler | quiet p50 | quiet p99 | noisy p50 | noisy p99 | noisy p99 / quiet p99 | background CPU ops (noisy) | hackbench loops |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for s in "abc":
    q, z = (s, "0", "thp", "train"), (s, "1", "thp", "train")
    print(f"| {names[s]} | {med(q, 'p50_ms'):.1f} | {med(q, 'p99_ms'):.1f} | {med(z, 'p50_ms'):.1f} | "
          f"{med(z, 'p99_ms'):.1f} | {med(z, 'p99_ms') / med(q, 'p99_ms'):.2f} | {med(z, 'cpu_ops'):.0f} | {med(z, 'hackbench'):.0f} |")
a, b, c = (med((s, "1", "thp", "train"), "p99_ms") for s in "abc")
print(f"\nUnder noise, step p99: (a)/(c) = {a / c:.2f}, (b)/(c) = {b / c:.2f}; "
      f"(c) noisy/quiet = {c / med(('c', '0', 'thp', 'train'), 'p99_ms'):.2f}\n")

print("Per-run counters under noise, THP training (medians)\n")
print("| scheduler | steps/s | minor faults | voluntary cs | involuntary cs | migrations |")
print("|---|---:|---:|---:|---:|---:|")
for s in "abc":
    k = (s, "1", "thp", "train")
    print(f"| {names[s]} | {med(k, 'per_s'):.1f} | {med(k, 'minflt'):.0f} | {med(k, 'vcsw'):.0f} | "
          f"{med(k, 'ivcsw'):.0f} | {med(k, 'migrations'):.0f} |")

mems = [m for m in ("4k", "thp", "hugetlbfs") if any(k[2] == m for k in runs)]
print("\nTraining by weight pages, quiet (step p50 / p99 ms, minor faults incl. allocation)\n")
print("| scheduler | " + " | ".join(mems) + " |")
print("|---|" + "---:|" * len(mems))
for s in "abc":
    cells = [f"{med((s, '0', m, 'train'), 'p50_ms'):.1f} / {med((s, '0', m, 'train'), 'p99_ms'):.1f}, "
             f"{med((s, '0', m, 'train'), 'minflt'):.0f} flt" for m in mems]
    print(f"| {names[s]} | " + " | ".join(cells) + " |")

print("\nInference decode, THP weights (per-token ms p50 / p99, tokens/s)\n")
print("| scheduler | quiet | noisy |")
print("|---|---:|---:|")
for s in "abcf":
    if not any(k[0] == s and k[3] == "infer" for k in runs):
        continue
    cells = [f"{med((s, z, 'thp', 'infer'), 'p50_ms'):.1f} / {med((s, z, 'thp', 'infer'), 'p99_ms'):.1f}, "
             f"{med((s, z, 'thp', 'infer'), 'per_s'):.0f}/s" for z in "01"]
    print(f"| {names[s]} | " + " | ".join(cells) + " |")
ia, ic, iff = (med((s, "1", "thp", "infer"), "p99_ms") for s in "acf")
print(f"\nUnder noise, per-token p99: (a)/(c) = {ia / ic:.2f}; (c)/SCHED_FIFO = {ic / iff:.2f}")

if overhead.get("default") and overhead.get("llm_sched"):
    d, l = statistics.median(overhead["default"]), statistics.median(overhead["llm_sched"])
    print(f"\nScheduler overhead: hackbench -g 4 -l 100, median {l:.3f} s under llm_sched vs {d:.3f} s default "
          f"({len(overhead['llm_sched'])} and {len(overhead['default'])} runs): ratio {l / d:.2f}")

if shutil.which("gnuplot"):
    data = outdir / "llm-compare.dat"
    with data.open("w") as f:
        f.write("# scheduler quiet_p50 quiet_p99 noisy_p50 noisy_p99\n")
        for s in "abc":
            q, z = (s, "0", "thp", "train"), (s, "1", "thp", "train")
            label = names[s]
            f.write(f'"{label}" {med(q, "p50_ms"):.2f} {med(q, "p99_ms"):.2f} {med(z, "p50_ms"):.2f} {med(z, "p99_ms"):.2f}\n')
    script = f"""
set terminal pngcairo size 900,500 font ",11" noenhanced
set yrange [0:*]
set output "{outdir}/llm-compare-step.png"
set title "llm-bench training step time under each scheduler (VM, TCG; medians of {n} runs)"
set ylabel "step time (ms)"
set style data histograms
set style histogram cluster gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
plot "{data}" using 2:xtic(1) title "quiet p50", "" using 3 title "quiet p99", "" using 4 title "noisy p50", "" using 5 title "noisy p99"
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)
    print(f"\nplot: {outdir}/llm-compare-step.png")
