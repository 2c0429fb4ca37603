#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Tables for bench/gang-pool.sh: medians of the pool's steps/s and p99 step
time per scheduler and mode, and the ratios the targets are stated in."""
import re
import statistics
import sys


def main(path):
    runs = {}
    for line in open(path, errors="replace"):
        if not line.startswith("bench: sched="):
            continue
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        key = (kv["sched"], kv["mode"])
        runs.setdefault(key, []).append(kv)
    med = lambda key, field: statistics.median(float(r[field]) for r in runs[key])
    print("| scheduler | quiet steps/s | noisy steps/s | noisy / quiet | noisy step p99 (us) | background progress (noisy) |")
    print("|---|---:|---:|---:|---:|---:|")
    base_quiet = med(("default", "quiet"), "steps_per_s")
    for sched, label in (("default", "(a) default"), ("nice", "(b) nice -n -20"), ("llm-schedd", "(c) llm-schedd")):
        quiet = med((sched, "quiet"), "steps_per_s") if (sched, "quiet") in runs else base_quiet
        noisy = med((sched, "noisy"), "steps_per_s")
        p99 = med((sched, "noisy"), "p99_us")
        bg = med((sched, "noisy"), "bg_progress")
        print(f"| {label} | {quiet:.1f} | {noisy:.1f} | {noisy / quiet:.3f} | {p99:.0f} | {bg:.3g} |")
    n = len(runs[("llm-schedd", "noisy")])
    print(f"\n{n} repeats; medians. (b) has no quiet run of its own: its ratio is against (a) quiet.")
    llm = med(("llm-schedd", "noisy"), "steps_per_s") / med(("llm-schedd", "quiet"), "steps_per_s")
    nice = med(("nice", "noisy"), "steps_per_s") / base_quiet
    print(f"llm-schedd keeps {llm * 100:.1f}% of its quiet rate (target >= 95%); nice -n -20 keeps {nice * 100:.1f}%.")
    bg_llm, bg_def = med(("llm-schedd", "noisy"), "bg_progress"), med(("default", "noisy"), "bg_progress")
    print(f"background progress under llm-schedd is {bg_llm / bg_def * 100:.1f}% of its progress under the default scheduler.")


if __name__ == "__main__":
    main(sys.argv[1])
