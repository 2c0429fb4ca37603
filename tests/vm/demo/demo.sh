# SPDX-License-Identifier: GPL-2.0-only
# The main job's guest side: llm-schedd with configs/default.json, the
# llm-demo workload marking forward/backward phases, and background noise.
# Output goes to the console (shown live by the host) and to the results.
# timeout: 600

demo_main() {
    local secs="${DEMO_SECONDS:-24}"
    echo "=== llm-schedd demo: $(nproc) vCPUs, kernel $(uname -r)"
    llm-schedd --config configs/default.json --stats-interval 4 &
    DAEMON_PID=$!
    wait_state enabled 150 "$DAEMON_PID" || { echo "llm_sched did not attach"; return 1; }
    echo "=== sched_ext: state $(scx_state), ops $(scx_ops), switch_all $(cat /sys/kernel/sched_ext/switch_all)"
    echo "=== noise: stress-ng --cpu $(nproc); workload: llm-demo, 4 threads (forward CPUs 0-1, backward CPUs 2-3)"
    stress-ng --cpu "$(nproc)" --timeout "${secs}s" >/dev/null 2>&1 &
    llm-demo --live --threads 4 --forward 0-1 --backward 2-3 &
    local demo=$!
    sleep "$secs"
    kill "$demo"
    echo "=== kernel sched_ext events (non-zero)"
    awk '$2 != 0' /sys/kernel/sched_ext/root/events 2>/dev/null
    stop_daemon
    echo "=== stopped: sched_ext state $(scx_state), detach took ${STOP_MS} ms"
    echo DEMO-OK
}

t0=$(now_ms)
demo_main 2>&1 | tee /dev/console /tmp/demo.log >/dev/null
took=$(( ($(now_ms) - t0) / 1000 ))
check "the demo ran to the end" grep -q '^DEMO-OK' /tmp/demo.log
# Attach, the run itself, and stop; a demo that outlives that hung somewhere.
check "the demo took ${took}s, not much over its ${DEMO_SECONDS:-24}s" test "$took" -le $(( ${DEMO_SECONDS:-24} + 60 ))
