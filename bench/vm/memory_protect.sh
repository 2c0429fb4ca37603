# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/memory-protect.sh: does "memory": {"protect": ...}
# give a protected class its memory back from a live hog? A train step
# allocates, touches and frees 64 MiB (activations); the hog (batch class)
# holds 200 MiB and writes all of it again every 500 ms. Both live in
# llm.slice, whose memory.high is set to the hog's size + BENCH_SLACK_MB
# (default 16; the host budget a systemd MemoryHigh on the slice would
# be), so train's steps
# push the slice over its budget and stall in reclaim. zram swap (the
# guest has no disk) lets the kernel take memory back from either. Cases,
# interleaved by repeat, each a live reload of one daemon onto its policy,
# tests/vm/scenarios/data/memory_protect.json (train protects itself:
# some avg10 over 5%, floor 64M) or a variant:
#   quiet        train alone
#   unprotected  beside the hog, train's protect section replaced by "high": "max"
#   protected    beside the hog, the policy as shipped
# One "bench:" line per step (case, repeat, step, ms), and per case the
# hog's state at the end. Two vCPUs on a host thread each (multi-threaded
# TCG), so the hog's CPU time does not slow train's vCPU: what is measured
# is memory. The scheduler attaches once: under multi-threaded TCG an
# attach can hit the text-patching race run-scenario.sh describes.
# swap: yes
# vcpus: 2
# tcg: multi
# timeout: 2400

harness_rt
repeats="${BENCH_REPEATS:-3}" steps="${BENCH_STEPS:-200}" slack="${BENCH_SLACK_MB:-16}"
cg=/sys/fs/cgroup
swap_on 1024 || { fail "a zram swap device"; return; }
check "zram swap is on ($(awk 'NR > 1 { print $1, $3 " KiB" }' /proc/swaps))" grep -q zram0 /proc/swaps
cp "$(command -v weights)" /tmp/mp-hog
cp "$(command -v weights)" /tmp/mp-train
cp data/memory_protect.json /tmp/protected.json
jq '.classes[0].memory = {"high": "max"}' data/memory_protect.json >/tmp/unprotected.json

one() {  # one CASE REPEAT
    local c="$1" r="$2" policy=/tmp/protected.json hog= high
    [ "$c" = unprotected ] && policy=/tmp/unprotected.json
    cp "$policy" /tmp/policy.json
    llm-schedctl reload >/dev/null || return 1
    if [ "$c" != quiet ]; then
        $NORMAL /tmp/mp-hog --mode 4k --mb 200 --hold -1 --retouch-ms 500 --wait-cgroup /llm.slice/batch >/tmp/hog.out &
        hog=$!
        i=0; while ! grep -q . /tmp/hog.out 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
    fi
    echo $(( (200 + slack) << 20 )) >$cg/llm.slice/memory.high
    $NORMAL sh -c "echo \$\$ >$cg/llm.slice/train/cgroup.procs && exec /tmp/mp-train --mode 4k --mb 64 --steps $steps" |
        awk -v c="$c" -v r="$r" '{ for (i = 1; i <= NF; i++) if ($i ~ /^(alloc|touch)_ms=/) { split($i, kv, "="); ms[NR] += kv[2] } }
            END { for (s = 1; s <= NR; s++) printf "bench: case=%s repeat=%s step=%d ms=%.2f\n", c, r, s, ms[s] }'
    high=$(cat $cg/llm.slice/batch/memory.high)
    alive=no; [ -n "$hog" ] && kill -0 "$hog" 2>/dev/null && alive=yes
    echo "bench: case=$c repeat=$r hog_alive=$alive batch_high=$high batch_current=$(cat $cg/llm.slice/batch/memory.current)" \
         "swap_kib=$(awk 'NR > 1 { s += $4 } END { print s + 0 }' /proc/swaps)" \
         "lowered=$(llm-schedctl status --json | jq '.memory_protect.lower[0].lowered // 0')"
    [ -n "$hog" ] && { kill "$hog"; wait "$hog" 2>/dev/null; }
    echo max >$cg/llm.slice/memory.high
}
cp /tmp/protected.json /tmp/policy.json
start_daemon /tmp/policy.json || return
ran=0
for r in $(seq "$repeats"); do
    for c in quiet unprotected protected; do one $c $r || break 2; ran=$((ran + 1)); done
done
check "every case ran ($ran of $((3 * repeats)))" test "$ran" -eq $((3 * repeats))
