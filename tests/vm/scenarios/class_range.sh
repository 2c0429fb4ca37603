# SPDX-License-Identifier: GPL-2.0-only
# A class CPU count that follows utilisation ("cpus": {"min": 1, "max": 3,
# "util": [0.6, 0.9]}, exclusive; service/class_sizer.h). It starts with
# one CPU; three CPU-bound threads make it grow to three and hold there;
# when they stop it shrinks back to one, handing the CPUs back; a single
# CPU-bound thread (1.0 on one CPU, 0.5 on two: it fits neither band)
# makes it grow to two and stay, with no flapping. Every move is pushed
# live (enable_seq unchanged) and shows in stats, status --json and
# Prometheus.
# vcpus: 4
# timeout: 200

harness_rt
cp data/class_range.json /tmp/policy.json
start_daemon /tmp/policy.json || return
seq0=$(cat /sys/kernel/sched_ext/enable_seq)
range() { llm-schedctl status --json | jq -r ".cpu_ranges[0].$1"; }
# await COUNT SECONDS: polls status until the class has COUNT CPUs.
await() {
    local end=$(( $(now_ms) + $2 * 1000 ))
    while [ "$(now_ms)" -lt "$end" ]; do
        [ "$(range count)" = "$1" ] && return 0
        sleep 0.5
    done
    return 1
}
state() { llm-schedctl status --json | jq -c '.cpu_ranges[0] | {cpus, util, moves, last_move, state}'; }
check "it starts with its minimum: one CPU ($(range cpus))" test "$(range count)" = 1

S=
for i in 1 2 3; do $NORMAL schedprobe spin --comm cr-spin --seconds 60 >/dev/null & S="$S $!"; done
t0=$(now_ms)
await 3 25
rc=$?
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(state)"
check "three CPU-bound threads: it grew to three CPUs ($(range cpus))" test "$rc" -eq 0
m1=$(range moves)
check "  in one or two moves ($m1)" test "$m1" -ge 1 -a "$m1" -le 2
sleep 5
check "  and held there ($(range count) CPUs, $(range moves) moves)" test "$(range count)/$(range moves)" = "3/$m1"
kill $S 2>/dev/null; wait $S 2>/dev/null

t0=$(now_ms)
await 1 25
rc=$?
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(state)"
check "idle: it shrank back to one CPU ($(range cpus))" test "$rc" -eq 0
m2=$(range moves)

$NORMAL schedprobe spin --comm cr-one --seconds 60 >/dev/null &
one=$!
t0=$(now_ms)
await 2 25
rc=$?
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(state)"
check "one CPU-bound thread: it grew to two CPUs" test "$rc" -eq 0
m3=$(range moves)
sleep 8
note "8 s later: $(state)"
check "  and stays at two, no flapping ($(range count) CPUs, moves $m3 -> $(range moves))" \
    test "$(range count)/$(range moves)" = "2/$m3"

llm-schedctl stats >/tmp/stats.txt
check "stats shows the range" grep -q '^cpu range grow: CPUs 0-1 (2 of 1-3' /tmp/stats.txt
check "stats --json carries it" test "$(llm-schedctl stats --json | jq -r '.cpu_ranges[0].count')" = 2
llm-schedctl stats --prometheus >/tmp/prom.txt
check "Prometheus: llm_schedd_class_cpus" grep -q '^llm_schedd_class_cpus{class="grow"} 2$' /tmp/prom.txt
check "Prometheus: the moves counter" grep -q "^llm_schedd_class_cpus_moves_total{class=\"grow\"} $m3\$" /tmp/prom.txt
check "each move was logged ($(grep -c 'class grow: ' "$DAEMON_LOG"))" test "$(grep -c 'class grow: ' "$DAEMON_LOG")" -eq "$m3"
check "pushed live: the same attachment (enable_seq $seq0 -> $(cat /sys/kernel/sched_ext/enable_seq))" \
    test "$(cat /sys/kernel/sched_ext/enable_seq)" = "$seq0"
kill $one 2>/dev/null; wait $one 2>/dev/null
