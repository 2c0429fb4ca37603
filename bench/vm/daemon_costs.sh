# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/daemon-costs.sh: with llm_sched attached, the
# daemon's reload latency (by request and by SIGHUP, from the daemon
# receiving it to the new tables being live), its RSS, and its CPU use
# while idle. Prints "bench: KEY VALUE" lines for the host to summarise.
# timeout: 600

n="${BENCH_RELOADS:-100}"
idle_s="${BENCH_IDLE_S:-30}"
cp configs/default.json /tmp/policy.json
start_daemon /tmp/policy.json || return
sleep 1
i=0
while [ "$i" -lt "$n" ]; do
    llm-schedctl reload --json |
        sed -n 's/.*"applied_ns":\([0-9]*\).*"received_ns":\([0-9]*\).*/\1 \2/p' |
        awk '{ printf "bench: request_us %d\n", ($1 - $2) / 1000 }'
    i=$((i + 1))
done
i=0
while [ "$i" -lt "$n" ]; do
    before=$(llm-schedctl status --json | sed -n 's/^  "generation": \([0-9]*\),*/\1/p')
    kill -HUP "$DAEMON_PID"
    while :; do
        llm-schedctl status --json >/tmp/st.json
        g=$(sed -n 's/^  "generation": \([0-9]*\),*/\1/p' /tmp/st.json)
        [ "$g" -gt "$before" ] && break
    done
    a=$(sed -n 's/^    "applied_ns": \([0-9]*\),*/\1/p' /tmp/st.json)
    r=$(sed -n 's/^    "received_ns": \([0-9]*\),*/\1/p' /tmp/st.json)
    echo "bench: sighup_us $(( (a - r) / 1000 ))"
    i=$((i + 1))
done
echo "bench: rss_kib $(awk '/^VmRSS/ { print $2 }' "/proc/$DAEMON_PID/status")"
echo "bench: hwm_kib $(awk '/^VmHWM/ { print $2 }' "/proc/$DAEMON_PID/status")"
t0=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
sleep "$idle_s"
t1=$(awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat")
hz=100
echo "bench: idle_cpu_pct $(awk -v d=$((t1 - t0)) -v s="$idle_s" -v hz=$hz 'BEGIN { printf "%.3f", 100 * d / hz / s }')"
pass "benchmark finished"
