# The main job's guest side: llm-schedd with configs/default.json, the
# llm-demo workload marking forward/backward phases, and background noise.
# Everything goes to the console so the host shows it live.
# timeout: 600
exec >/dev/console 2>&1
echo "=== llm-schedd demo: $(nproc) vCPUs, kernel $(uname -r)"
llm-schedd --config configs/default.json --stats-interval 3 &
DAEMON_PID=$!
wait_state enabled 150 "$DAEMON_PID" || { echo "llm_sched did not attach"; return; }
echo "=== sched_ext: state $(scx_state), ops $(scx_ops), switch_all $(cat /sys/kernel/sched_ext/switch_all)"
echo "=== background noise: stress-ng --cpu $(nproc); workload: llm-demo (forward CPUs 0-1, backward 2-3)"
stress-ng --cpu "$(nproc)" --timeout "${DEMO_SECONDS:-20}s" >/dev/null 2>&1 &
llm-demo --live --threads 4 --forward 0-1 --backward 2-3 &
demo=$!
sleep "${DEMO_SECONDS:-20}"
kill "$demo"
echo "=== sched_ext events"
cat /sys/kernel/sched_ext/root/events 2>/dev/null | awk '$2 != 0'
stop_daemon
echo "=== stopped: sched_ext state $(scx_state) (detach took ${STOP_MS} ms)"
