# SPDX-License-Identifier: GPL-2.0-only
# Auto split ("phases": {"split": "auto"}, service/phase_splitter.h): a
# class whose forward and backward sets share CPUs 1-3 starts with forward
# 1-2 and backward 3. Four backward and two forward CPU-bound threads (a
# 2:1 backward:forward demand) must move it to forward 1, backward 2-3;
# then the ratio flips (four forward, two backward) and it must follow,
# to forward 1-2, backward 3. Each move is pushed live: the scheduler
# stays attached (enable_seq unchanged), the generation moves on, and the
# split shows in stats, status --json and Prometheus. No flapping: at most
# one move per workload phase.
# vcpus: 4
# timeout: 200

harness_rt
cp data/auto_split.json /tmp/policy.json
start_daemon /tmp/policy.json || return
seq0=$(cat /sys/kernel/sched_ext/enable_seq)
gen0=$(llm-schedctl status --json | jq .generation)
split() { llm-schedctl status --json | jq -r ".phase_split[0].$1"; }
check "status shows the starting split (forward $(split forward), backward $(split backward))" \
    test "$(split forward)/$(split backward)" = "1-2/3"

# spinners PHASE N SECONDS
spinners() {
    local i
    for i in $(seq "$2"); do
        $NORMAL llm-schedctl phase "$1" -- schedprobe spin --comm "as-$1" --seconds "$3" >/dev/null &
        S="$S $!"
    done
}
# await FORWARD BACKWARD SECONDS: polls status until the split is that.
await() {
    local end=$(( $(now_ms) + $3 * 1000 ))
    while [ "$(now_ms)" -lt "$end" ]; do
        [ "$(split forward)/$(split backward)" = "$1/$2" ] && return 0
        sleep 0.5
    done
    return 1
}

S=
t0=$(now_ms)
spinners backward 4 40
spinners forward 2 40
await 1 2-3 25
rc=$?
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(llm-schedctl status --json | jq -c '.phase_split[0] | {forward, backward, forward_demand_share, moves, last_move, state}')"
check "2:1 backward demand: the split moved to forward 1, backward 2-3" test "$rc" -eq 0
sleep 6
check "  and held there for 6 s more ($(split moves) moves)" test "$(split forward)/$(split moves)" = "1/1"
share=$(split forward_demand_share)
check "  forward's demand share read as well under a half ($share)" awk -v s="$share" 'BEGIN { exit !(s > 0.1 && s < 0.45) }'
kill $S 2>/dev/null; wait $S 2>/dev/null

S=
t0=$(now_ms)
spinners forward 4 40
spinners backward 2 40
await 1-2 3 25
rc=$?
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(llm-schedctl status --json | jq -c '.phase_split[0] | {forward, backward, forward_demand_share, moves, last_move, state}')"
check "the ratio flipped: the split followed, to forward 1-2, backward 3" test "$rc" -eq 0
sleep 6
check "  and held there ($(split moves) moves in all, at most one per workload phase)" \
    test "$(split forward)/$(split moves)" = "1-2/2"

llm-schedctl stats >/tmp/stats.txt
sed 's/^/note: /' /tmp/stats.txt
check "stats shows the split" grep -q '^auto split split: forward 1-2, backward 3' /tmp/stats.txt
check "stats --json carries it" test "$(llm-schedctl stats --json | jq -r '.phase_split[0].backward')" = 3
llm-schedctl stats --prometheus >/tmp/prom.txt
check "Prometheus: llm_schedd_phase_split_cpus for each phase" \
    grep -q '^llm_schedd_phase_split_cpus{class="split",phase="backward"} 1$' /tmp/prom.txt
check "Prometheus: the moves counter" grep -q '^llm_schedd_phase_split_moves_total{class="split"} 2$' /tmp/prom.txt
check "each move was logged" test "$(grep -c 'auto split of class split' "$DAEMON_LOG")" -eq 2
check "pushed live: the same attachment (enable_seq $seq0 -> $(cat /sys/kernel/sched_ext/enable_seq))" \
    test "$(cat /sys/kernel/sched_ext/enable_seq)" = "$seq0"
check "  as new generations ($gen0 -> $(llm-schedctl status --json | jq .generation))" \
    test "$(llm-schedctl status --json | jq .generation)" -ge $((gen0 + 2))
kill $S 2>/dev/null; wait $S 2>/dev/null
