# SPDX-License-Identifier: GPL-2.0-only
# Soft phase sets (bpf/placement.bpf.h): a single process that runs
# forward, then backward, on the same threads, as one training process
# does. A 4-thread barrier pool (OpenMP-shaped) in a class whose forward
# set is CPUs 0-1 and backward set 2-3 is marked forward for 2.5 s, then
# backward, through the daemon (llm-schedctl phase --pid). Its threads'
# CPUs are sampled from above sched_ext every 20 ms.
#   soft (the default): each phase borrows the other's idle CPUs, so the
#     pool runs on all four CPUs in both phases, and phase_borrows counts it;
#   strict (the same policy with "strict": true, reloaded live): forward on
#     0-1 only, backward on 2-3 only, no borrows, and the pool is slower;
#   the lender takes its CPUs back: a backward-marked probe that sleeps 1 ms 1000
#     times while the forward pool fills all four CPUs runs on 2-3
#     only, and wakes about as late as beside the strict pool, where CPUs
#     2-3 sit idle (the class's slice is a fixed 50 ms, so a borrower that
#     kept its CPU to the end of its slice would show).
# vcpus: 4
# timeout: 200

harness_rt
cp data/soft_phases.json /tmp/policy.json
start_daemon /tmp/policy.json || return

# sample MS PID: the CPU (stat field 39) of each thread of PID, every 20 ms.
sample() {
    local end=$(( $(now_ms) + $1 ))
    while [ "$(now_ms)" -lt "$end" ]; do
        cat /proc/"$2"/task/*/stat 2>/dev/null | awk '{ print $39 }'
        sleep 0.02
    done
}
# share FILE CPUS: per mille of the samples in FILE on CPUS (comma list).
share() { awk -v set=",$2," '{ all++; if (index(set, "," $1 ",")) hit++ } END { print all ? int(1000 * hit / all) : -1 }' "$1"; }
distinct() { sort -u "$1" | tr '\n' ' '; }
rate() { sed -n 's/.*steps_per_s=\([0-9.]*\).*/\1/p' "$1"; }

# run_pool LABEL: the pool, forward for 2.5 s then backward for 2.5 s.
run_pool() {
    $NORMAL schedprobe pool --comm sp-pool --threads 4 --seconds 6 --step-us 1000 >/tmp/pool.$1 &
    local pid=$!
    sleep 0.2
    llm-schedctl phase forward --pid "$pid" >/dev/null || fail "marking the pool forward failed"
    sleep 0.3
    sample 2000 "$pid" >/tmp/cpus.$1.fwd
    llm-schedctl phase backward --pid "$pid" >/dev/null || fail "marking the pool backward failed"
    sleep 0.3
    sample 2000 "$pid" >/tmp/cpus.$1.bwd
    wait "$pid"
    note "$1: $(cat /tmp/pool.$1); forward on CPUs $(distinct /tmp/cpus.$1.fwd), backward on $(distinct /tmp/cpus.$1.bwd)"
}

# wake_beside_pool LABEL: a backward probe waking every ms beside the forward pool.
wake_beside_pool() {
    $NORMAL schedprobe pool --comm sp-pool --threads 4 --seconds 10 --step-us 1000 >/dev/null &
    local pid=$!
    sleep 0.2
    llm-schedctl phase forward --pid "$pid" >/dev/null
    sleep 0.5
    $NORMAL llm-schedctl phase backward -- schedprobe wake --comm sp-owner --loops 1000 >/tmp/wake.$1 &
    local probe=$!
    local tid= i
    for i in $(seq 100); do
        tid=$(for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = sp-owner ] && basename $d; done | head -1)
        [ -n "$tid" ] && break
        sleep 0.01
    done
    : >/tmp/owner.$1
    [ -n "$tid" ] && sample 500 "$tid" >/tmp/owner.$1
    wait "$probe"
    wait "$pid"
    note "$1: owner $(cat /tmp/wake.$1) on CPUs $(distinct /tmp/owner.$1 2>/dev/null)"
}

b0=$(class_stat llm phase_borrows)
run_pool soft
wake_beside_pool soft
b1=$(class_stat llm phase_borrows)
check "soft: the forward pool ran on all four CPUs ($(distinct /tmp/cpus.soft.fwd))" test "$(sort -u /tmp/cpus.soft.fwd | wc -l)" -eq 4
check "  a third or more of its samples on the backward set 2-3 ($(share /tmp/cpus.soft.fwd 2,3) per mille)" \
    test "$(share /tmp/cpus.soft.fwd 2,3)" -ge 333
check "soft: the backward pool ran on all four CPUs ($(distinct /tmp/cpus.soft.bwd))" test "$(sort -u /tmp/cpus.soft.bwd | wc -l)" -eq 4
check "  a third or more of its samples on the forward set 0-1 ($(share /tmp/cpus.soft.bwd 0,1) per mille)" \
    test "$(share /tmp/cpus.soft.bwd 0,1)" -ge 333
check "soft: phase_borrows counted the runs on lent CPUs (+$((b1 - b0)))" test $((b1 - b0)) -gt 0
check "soft: the waking backward owner ran on its own set 2-3 only ($(distinct /tmp/owner.soft), $(wc -l </tmp/owner.soft) samples)" \
    test "$(share /tmp/owner.soft 2,3)" -eq 1000

jq '(.classes[] | select(.phases) | .phases.strict) = true' data/soft_phases.json >/tmp/policy.json
llm-schedctl reload >/dev/null || fail "reload to strict sets failed"
llm-schedctl status --json | jq -r .generation | sed 's/^/note: generation /'
b2=$(class_stat llm phase_borrows)
run_pool strict
wake_beside_pool strict
b3=$(class_stat llm phase_borrows)
check "strict: forward on 0-1 only ($(share /tmp/cpus.strict.fwd 0,1) per mille)" test "$(share /tmp/cpus.strict.fwd 0,1)" -ge 990
check "strict: backward on 2-3 only ($(share /tmp/cpus.strict.bwd 2,3) per mille)" test "$(share /tmp/cpus.strict.bwd 2,3)" -ge 990
check "strict: no borrows (+$((b3 - b2)))" test $((b3 - b2)) -eq 0

soft=$(rate /tmp/pool.soft) strict=$(rate /tmp/pool.strict)
metric pool_steps_per_s_soft "$soft"
metric pool_steps_per_s_strict "$strict"
check "the pool does 1.5x the steps with soft sets ($soft vs $strict steps/s)" \
    awk -v a="$soft" -v b="$strict" 'BEGIN { exit !(b > 0 && a >= 1.5 * b) }'
w() { sed -n "s/.*$2=\([0-9]*\).*/\1/p" /tmp/wake.$1; }
for l in soft strict; do for k in p50_us p99_us; do metric "owner_wake_${k}_$l" "$(w $l $k)"; done; done
check "the owner wakes about as fast beside borrowers as beside idle CPUs: p50 $(w soft p50_us) us vs $(w strict p50_us) us" \
    test "$(w soft p50_us)" -le $(( $(w strict p50_us) * 3 / 2 + 2000 ))
check "  p99 $(w soft p99_us) us vs $(w strict p99_us) us (a 50 ms slice kept to its end would show)" \
    test "$(w soft p99_us)" -le $(( $(w strict p99_us) * 2 + 20000 ))
