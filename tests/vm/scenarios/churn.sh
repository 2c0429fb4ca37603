# 60 s fork/exec/affinity storm on every vCPU under llm_sched: no ejection,
# no kernel warning, and the scheduler is still the live one afterwards.
# timeout: 300

start_daemon configs/default.json || return
n=$(nproc)
stress-ng --fork "$n" --exec "$n" --affinity "$n" --cpu 2 --timeout 60s --metrics-brief >/tmp/churn.log 2>&1
rc=$?
grep -E 'metrc:.* (fork|exec|affinity|cpu) ' /tmp/churn.log | sed 's/^/note: /'
check "stress-ng finished (rc $rc)" test "$rc" -eq 0
check "still llm_sched after the storm" test "$(scx_ops)" = llm_sched
check "daemon alive" kill -0 "$DAEMON_PID"
