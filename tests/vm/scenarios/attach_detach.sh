# llm_sched attaches from the default policy, every task is on it, and
# SIGTERM detaches it within 2 s with exit code 0.
# timeout: 120

start_daemon configs/default.json || return
check "state is enabled" test "$(scx_state)" = enabled
check "root/ops is llm_sched" test "$(scx_ops)" = llm_sched
check "switch_all is set (every SCHED_NORMAL task is on sched_ext)" test "$(cat /sys/kernel/sched_ext/switch_all)" = 1
check "no task was rejected" test "$(cat /sys/kernel/sched_ext/nr_rejected)" = 0

# Every userspace and kernel task that is not in another class reports
# ext.enabled in /proc/PID/sched (or, on kernels without the field, its
# policy is SCHED_NORMAL/BATCH/IDLE, which switch_all moves).
off=0; total=0
for d in /proc/[0-9]*; do
    s="$d/sched"; [ -r "$s" ] || continue
    pol=$(awk '$1 == "policy" { print $3 }' "$s")
    case "$pol" in 0|3|5) ;; *) continue ;; esac
    total=$((total + 1))
    if grep -q '^ext.enabled' "$s"; then
        grep -Eq '^ext.enabled +: +1' "$s" || { off=$((off + 1)); note "not on sched_ext: $d $(cat $d/comm)"; }
    fi
done
metric tasks_checked "$total"
check "all $total fair-policy tasks are on llm_sched" test "$off" -eq 0

stop_daemon
metric detach_ms "$STOP_MS"
check "state is disabled after SIGTERM" test "$(scx_state)" = disabled
check "detached within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
check "daemon exit code 0 (got $DAEMON_RC)" test "$DAEMON_RC" -eq 0
