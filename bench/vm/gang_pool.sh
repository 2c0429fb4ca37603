# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/gang-pool.sh: a barrier-synchronised spinning pool
# (schedprobe pool: one thread per vCPU, 2 ms of work per step, spinning at
# the barrier as OpenMP and ggml do) in the top class, quiet and beside 2x
# CPU oversubscription (two CPU hogs per vCPU), under (a) the kernel's
# default scheduler, (b) nice -n -20 for the pool, (c) llm-schedd with the
# pool in a top class; interleaved by repeat, all in one boot. Lines
# "bench: ..." carry the results. Multi-threaded TCG: each vCPU has a host
# core (the host's core count is the vCPU count).
# tcg: multi
# timeout: 1800

R=${BENCH_REPEATS:-3} DUR=${BENCH_DURATION:-10} SHARE=${BENCH_SHARE:-2}
N=$(nproc)
cat >/tmp/pool.json <<J
{ "scheduler": { "starvation_ms": 200, "guard_share_pct": $SHARE },
  "classes": [
    { "name": "pool", "match": [ { "comm_prefix": "pool" } ], "priority": 90, "order": "fifo" },
    { "name": "background", "match": [ { "default": true } ], "priority": 10, "order": "fair" } ] }
J
note "$N vCPUs, $R repeats of ${DUR}s, guard_share_pct $SHARE"
hogs() { H=; for i in $(seq $((2 * N))); do schedprobe spin --seconds $((DUR + 1)) >/tmp/hog.$i & H="$H $!"; done; sleep 0.5; }
hog_cpu_ms() { t=0; for i in $(seq $((2 * N))); do
    c=$(sed -n 's/.*progress=\([0-9]*\).*/\1/p' /tmp/hog.$i); t=$((t + ${c:-0})); done; echo "$t"; }
# one SCHED MODE [PREFIX...]: runs the pool once; "bench:" line with its rate.
one() {
    local sched=$1 mode=$2; shift 2
    [ "$mode" = noisy ] && hogs
    r=$("$@" schedprobe pool --comm pool --threads "$N" --seconds "$DUR" --step-us 2000)
    [ "$mode" = noisy ] && wait $H
    bg=-
    [ "$mode" = noisy ] && bg=$(hog_cpu_ms)
    echo "bench: sched=$sched mode=$mode bg_progress=$bg $r"
}
for rep in $(seq "$R"); do
    one default quiet
    one default noisy
    one nice noisy nice -n -20
    start_daemon /tmp/pool.json || return
    one llm-schedd quiet
    one llm-schedd noisy
    stop_daemon
done
pass "benchmark finished"
