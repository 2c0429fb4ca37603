# 30 s of CPU, fork and affinity churn on every vCPU under llm_sched: no
# ejection, no kernel warning, and the scheduler is still the live one.
# timeout: 240

start_daemon configs/default.json --stats-interval 10 || return
n=$(nproc)
stress-ng --cpu "$n" --fork "$n" --affinity "$n" --timeout 30s --metrics-brief >/tmp/stress.log 2>&1
rc=$?
check "stress-ng finished cleanly (rc $rc)" test "$rc" -eq 0
grep -E 'cpu|fork|affinity' /tmp/stress.log | grep -v 'dispatching' | sed 's/^/note: /' | tail -n 4
check "still enabled after the storm" test "$(scx_state)" = enabled
check "still llm_sched" test "$(scx_ops)" = llm_sched
check "daemon still running" kill -0 "$DAEMON_PID"
stop_daemon
check "clean detach" test "$(scx_state)" = disabled
