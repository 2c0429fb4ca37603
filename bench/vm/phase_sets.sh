# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/phase-sets.sh: a single process that runs forward,
# then backward, on the same threads (a barrier-synchronised pool, one
# thread per vCPU, 1 ms of work per step; its process mark flips every
# BENCH_SWITCH_MS through llm-schedctl phase --pid), in a top class with
# (a) no phase sets, (b) strict sets (forward the first half of the CPUs,
# backward the second), (c) soft sets (the same, the default). Interleaved
# by repeat in one boot; the policy changes by live reload. Lines "bench:
# ..." carry the results. Multi-threaded TCG: each vCPU has a host core.
# tcg: multi
# timeout: 1200

R=${BENCH_REPEATS:-3} DUR=${BENCH_DURATION:-8} SWITCH_MS=${BENCH_SWITCH_MS:-500}
N=$(nproc)
fwd="0-$((N / 2 - 1))" bwd="$((N / 2))-$((N - 1))"
policy() {  # policy NAME PHASES
    cat >/tmp/$1.json <<J
{ "daemon": { "watch_config": false }, "scheduler": { "starvation_ms": 200 },
  "classes": [
    { "name": "job", "match": [ { "comm_prefix": "job" } ], "priority": 90, "order": "fifo" $2 },
    { "name": "background", "match": [ { "default": true } ], "priority": 10, "order": "fair" } ] }
J
}
policy none ""
policy strict ", \"phases\": { \"forward\": \"$fwd\", \"backward\": \"$bwd\", \"strict\": true }"
policy soft ", \"phases\": { \"forward\": \"$fwd\", \"backward\": \"$bwd\" }"
note "$N vCPUs, forward $fwd, backward $bwd, $R repeats of ${DUR}s, phase flips every ${SWITCH_MS} ms"
harness_rt
cp /tmp/none.json /tmp/policy.json
start_daemon /tmp/policy.json || return
one() {
    cp /tmp/$1.json /tmp/policy.json
    llm-schedctl reload >/dev/null || { fail "reload to $1"; return; }
    local b0 pid ph=forward flips=0 end
    b0=$(class_stat job phase_borrows)
    $NORMAL schedprobe pool --comm job --threads "$N" --seconds "$DUR" --step-us 1000 >/tmp/r &
    pid=$!
    end=$(( $(now_ms) + DUR * 1000 ))
    while kill -0 "$pid" 2>/dev/null && [ "$(now_ms)" -lt "$end" ]; do
        llm-schedctl phase "$ph" --pid "$pid" >/dev/null 2>&1 && flips=$((flips + 1))
        if [ "$ph" = forward ]; then ph=backward; else ph=forward; fi
        usleep $((SWITCH_MS * 1000)) 2>/dev/null || sleep "$(awk -v m="$SWITCH_MS" 'BEGIN { print m / 1000 }')"
    done
    wait "$pid"
    echo "bench: sets=$1 flips=$flips borrows=$(( $(class_stat job phase_borrows) - b0 )) $(cat /tmp/r)"
}
for rep in $(seq "$R"); do
    for sets in none strict soft; do one "$sets"; done
done
pass "benchmark finished"
