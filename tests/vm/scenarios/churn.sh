# 60 s fork/exec/exit storm with affinity churn and thousands of threads
# (stress-ng pthread workers of up to 1024 threads each, created and
# exiting all the time) on every vCPU under llm_sched: no ejection, no
# kernel warning, and the scheduler is still the live one afterwards.
# timeout: 300

start_daemon configs/default.json || return
n=$(nproc)
# Peak number of tasks on the system, from /proc/loadavg, once a second.
( peak=0; while [ ! -e /tmp/churn.done ]; do
      t=$(cut -d' ' -f4 /proc/loadavg); t=${t#*/}; [ "$t" -gt "$peak" ] && peak=$t; echo "$peak" >/tmp/peak; sleep 1
  done ) &
stress-ng --fork "$n" --exec "$n" --affinity "$n" --cpu 2 --pthread 2 --pthread-max 1024 --timeout 60s \
    --metrics-brief >/tmp/churn.log 2>&1
rc=$?
touch /tmp/churn.done
grep -E 'metrc:.* (fork|exec|affinity|cpu|pthread) ' /tmp/churn.log | sed 's/^/note: /'
check "stress-ng finished (rc $rc)" test "$rc" -eq 0
metric peak_tasks "$(cat /tmp/peak)"
check "thousands of threads at once (peak $(cat /tmp/peak) tasks)" test "$(cat /tmp/peak)" -ge 1000
check "still llm_sched after the storm" test "$(scx_ops)" = llm_sched
check "daemon alive" kill -0 "$DAEMON_PID"
