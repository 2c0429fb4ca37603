#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon's own costs, against the targets of the daemon issue:
# reload latency (median under 10 ms), RSS (under 15 MiB), idle CPU (under
# 0.5%). Two runs side by side:
#   host: real hardware, scheduler off (this host has no sched_ext), so a
#         reload is read + validate + compile + endpoints, without the push;
#   vm:   llm_sched attached in the emulated VM, so the push is included,
#         but every instruction runs 20-50x slower than on hardware.
# Prints a Markdown table of medians.
#
#   sudo bench/daemon-costs.sh [BUILD_DIR]     (BENCH_RELOADS=100 BENCH_IDLE_S=30)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
reloads="${BENCH_RELOADS:-100}" idle_s="${BENCH_IDLE_S:-30}"
out="$build/bench-daemon-costs"; rm -rf "$out"; mkdir -p "$out"

# --- host -------------------------------------------------------------------
python3 - "$root/configs/default.json" >"$out/host-policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); p.pop("$schema", None)
p["scheduler"]["enabled"] = False
for c in p["classes"]: c.pop("phases", None)  # the host may have fewer CPUs
json.dump(p, sys.stdout)
PY
export LLM_SCHEDD_SOCKET="$out/control.sock"
"$build/llm-schedd" --config "$out/host-policy.json" --socket "$LLM_SCHEDD_SOCKET" >"$out/host-daemon.log" 2>&1 &
pid=$!; trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -S "$LLM_SCHEDD_SOCKET" ]] && break; sleep 0.1; done
for _ in $(seq "$reloads"); do
    "$build/llm-schedctl" reload --json | python3 -c \
        'import json,sys; r=json.load(sys.stdin); print("bench: request_us", (r["applied_ns"]-r["received_ns"])//1000)'
done >"$out/host.txt"
for _ in $(seq "$reloads"); do
    before=$("$build/llm-schedctl" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["generation"])')
    kill -HUP "$pid"
    while :; do
        st=$("$build/llm-schedctl" status --json)
        python3 -c 'import json,sys; s=json.loads(sys.argv[1]); g=s["generation"]; l=s["last_reload"]
sys.exit(0 if g > int(sys.argv[2]) else 1)' "$st" "$before" && break
    done
    python3 -c 'import json,sys; l=json.loads(sys.argv[1])["last_reload"]; print("bench: sighup_us", (l["applied_ns"]-l["received_ns"])//1000)' "$st"
done >>"$out/host.txt"
echo "bench: rss_kib $(awk '/^VmRSS/ { print $2 }' /proc/$pid/status)" >>"$out/host.txt"
echo "bench: hwm_kib $(awk '/^VmHWM/ { print $2 }' /proc/$pid/status)" >>"$out/host.txt"
t0=$(awk '{ print $14 + $15 }' /proc/$pid/stat); sleep "$idle_s"; t1=$(awk '{ print $14 + $15 }' /proc/$pid/stat)
hz=$(getconf CLK_TCK)
echo "bench: idle_cpu_pct $(awk -v d=$((t1 - t0)) -v s="$idle_s" -v hz="$hz" 'BEGIN { printf "%.3f", 100 * d / hz / s }')" >>"$out/host.txt"
kill "$pid"; wait "$pid" || true; trap - EXIT

# --- vm ---------------------------------------------------------------------
scn="$build/vm/daemon-costs.sh"
{ echo "BENCH_RELOADS=$reloads BENCH_IDLE_S=$idle_s"; cat "$root/bench/vm/daemon_costs.sh"; } >"$scn"
"$root/tests/vm/run-scenario.sh" "$build" "$scn" >/dev/null || true
grep '^bench:' "$build/vm/daemon-costs/results.txt" >"$out/vm.txt" || { echo "no VM output; see $build/vm/daemon-costs/"; exit 1; }

python3 - "$out/host.txt" "$out/vm.txt" <<'PY'
import statistics, sys
def load(path):
    d = {}
    for line in open(path):
        _, key, val = line.split()
        d.setdefault(key, []).append(float(val))
    return d
h, v = load(sys.argv[1]), load(sys.argv[2])
def med(d, k): return statistics.median(d[k])
def p99(d, k): xs = sorted(d[k]); return xs[min(len(xs) - 1, int(0.99 * len(xs)))]
print("| measure | target | host, real CPU, no push (median / p99) | VM, TCG, llm_sched attached (median / p99) |")
print("|---|---|---|---|")
for k, name in (("request_us", "reload by `llm-schedctl reload` (ms)"), ("sighup_us", "reload by SIGHUP (ms)")):
    print(f"| {name} | < 10 | {med(h,k)/1000:.3f} / {p99(h,k)/1000:.3f} | {med(v,k)/1000:.2f} / {p99(v,k)/1000:.2f} |")
print(f"| RSS after {len(h['request_us'])*2} reloads (MiB) | < 15 | {h['rss_kib'][0]/1024:.1f} (peak {h['hwm_kib'][0]/1024:.1f}) | {v['rss_kib'][0]/1024:.1f} (peak {v['hwm_kib'][0]/1024:.1f}) |")
print(f"| idle CPU (%) | < 0.5 | {h['idle_cpu_pct'][0]:.3f} | {v['idle_cpu_pct'][0]:.3f} |")
PY
