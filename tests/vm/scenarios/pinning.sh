# SPDX-License-Identifier: GPL-2.0-only
# Per-phase core pinning: a forward thread (CPUs 0-1) and a backward thread
# (CPUs 2-3) sample their CPU thousands of times; every sample is in the
# thread's set, before the swap and from 50 ms after it.
# timeout: 150

# Strict sets: every sample must be in its phase's own set (soft sets,
# the default, would lend idle CPUs across: vm.soft_phases).
jq '(.classes[] | select(.phases) | .phases.strict) = true' configs/default.json >/tmp/strict.json
start_daemon /tmp/strict.json || return
# Background load on every CPU, so a misplaced thread would show.
stress-ng --cpu "$(nproc)" --timeout 20s >/dev/null 2>&1 &
load=$!
llm-demo --threads 2 --seconds 8 --swap-at 4 --settle-ms 50 --work-us 100 \
    --forward 0-1 --backward 2-3 --strict >/tmp/pin.txt 2>&1
rc=$?
kill "$load" 2>/dev/null; wait "$load" 2>/dev/null
sed 's/^/note: /' /tmp/pin.txt
check "every sample in its phase set (llm-demo --strict rc $rc)" test "$rc" -eq 0
awk '/switch latency/ { for (i = 1; i <= NF; i++) if ($i == "latency") print $(i+1) }' /tmp/pin.txt |
    while read -r us; do metric switch_latency_us "$us"; done
n=$(awk '/^thread/ { s += $8 + $13 } END { print s + 0 }' /tmp/pin.txt)
metric samples "$n"
check "thousands of samples taken ($n)" test "$n" -ge 2000
