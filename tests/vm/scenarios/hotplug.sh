# SPDX-License-Identifier: GPL-2.0-only
# CPU hotplug under llm_sched: vCPUs 3 and then 2 go offline and come back
# while a forward and a backward thread spin among CPU hogs. The scheduler
# stays attached (ops.cpu_online/offline; without them the kernel ejects it),
# the daemon compiles the live policy again for the CPUs online, reports it
# (log, status: online CPUs and notes), and the backward thread follows: on
# 2 only, then on the class's CPUs 0-1 when its whole set is gone, then back
# on 2-3. Ten fast offline/online cycles follow. No ejection at any point.
# timeout: 240

cp data/reload_a.json /tmp/policy.json   # llm: forward 0-1, backward 2-3
start_daemon /tmp/policy.json || return
# The shell runs above sched_ext, so its reads and samples are not starved
# by the load it watches (with two CPUs online, six CPU-bound tasks); the
# workloads are killed at the end, not timed.
harness_rt
$NORMAL llm-schedctl phase backward -- schedprobe spin --comm llm-bench-b --seconds 900 >/dev/null &
bw=$!
$NORMAL llm-schedctl phase forward -- schedprobe spin --comm llm-bench-f --seconds 900 >/dev/null &
fw=$!
$NORMAL stress-ng --cpu 4 --timeout 900s >/dev/null 2>&1 &
load=$!
sleep 1
# Distinct CPUs a task ran on, sampled every 50 ms for $2 seconds.
cpus_of() {
    local end=$(( $(now_ms) + $2 * 1000 ))
    while [ "$(now_ms)" -lt "$end" ]; do awk '{ print $39 }' "/proc/$1/stat"; sleep 0.05; done | sort -un | tr '\n' ' '
}
online() { echo "$2" >"/sys/devices/system/cpu/cpu$1/online"; }
status_field() { llm-schedctl status --json | jq -r --arg f "$1" '.[$f]'; }
attached() { [ "$(scx_state)" = enabled ] && [ "$(scx_ops)" = llm_sched ]; }
settle() {  # until the daemon reports online CPUs $1 (up to 3 s)
    for _ in $(seq 30); do [ "$(status_field online_cpus)" = "$1" ] && return 0; sleep 0.1; done
    return 1
}

b=$(cpus_of "$bw" 2); f=$(cpus_of "$fw" 1)
check "before: backward on 2-3 ($b), forward on 0-1 ($f)" sh -c "echo '$b' | grep -qvE '(^| )[01] ' && echo '$f' | grep -qvE '(^| )[23] '"

online 3 0
check "CPU 3 offline: llm_sched stays attached" attached
check "  the daemon reports online CPUs 0-2" settle 0-2
check "  the log says so" grep -q "CPU hotplug: online CPUs now 0-2" "$DAEMON_LOG"
check "  status notes the backward set shrank" sh -c "llm-schedctl status --json | jq -e '.notes | any(contains(\"class llm backward: CPUs 3 offline; running on 2\"))' >/dev/null"
b=$(cpus_of "$bw" 2)
check "  the backward thread runs on CPU 2 only ($b)" test "$b" = "2 "

online 2 0
check "CPUs 2-3 offline: still attached" attached
check "  reported as 0-1" settle 0-1
check "  the note says the backward set fell back" sh -c "llm-schedctl status --json | jq -e '.notes | any(test(\"class llm backward: CPUs 2-3 are all offline; using the class.s CPUs [(]0-1[)]\"))' >/dev/null"
b=$(cpus_of "$bw" 2)
check "  the backward thread runs on the class's CPUs 0-1 ($b)" sh -c "echo '$b' | grep -qvE '(^| )[23] '"
check "  and it ran ($b)" test -n "$b"

online 2 1; online 3 1
check "CPUs back: still attached" attached
check "  reported as 0-3" settle 0-3
sleep 0.5
b=$(cpus_of "$bw" 2)
check "  the backward thread is back on 2-3 ($b)" sh -c "echo '$b' | grep -qE '(^| )[23] ' && echo '$b' | grep -qvE '(^| )[01] '"

t0=$(now_ms)
for i in $(seq 10); do online 3 0; sleep 0.2; online 3 1; sleep 0.2; done
check "ten fast offline/online cycles of CPU 3 ($(( $(now_ms) - t0 )) ms): still attached" attached
check "  reported as 0-3" settle 0-3
ej=$(llm-schedctl status --json | jq .scheduler.ejections)
check "no ejection at any point (ejections ${ej:-?})" test "${ej:-1}" -eq 0
check "  and none in the kernel log" sh -c "! dmesg | grep -q 'llm_sched\" disabled'"
metric hotplug_events "$(status_field hotplug_events)"
kill "$bw" "$fw" "$load" 2>/dev/null; wait "$bw" "$fw" "$load" 2>/dev/null
stop_daemon
check "the daemon stops cleanly (rc $DAEMON_RC)" test "$DAEMON_RC" -eq 0
