# SPDX-License-Identifier: GPL-2.0-only
# The two-slot policy table is never rewritten while a callback may read
# it: reloads and CPU hotplug pushes land in the same pass of the daemon's
# loop (vCPU 3 goes offline, then SIGHUP at once: the loop reads the signal,
# reloads, then sees the hotplug and pushes again). Each push makes the new
# slot live and then waits for an RCU grace period (map-in-map update)
# before that slot may be written again, so a callback that read the old
# slot finishes before it changes. ops.dispatch counts any dispatch that
# finds its slot's generation changed under it (torn_reads).
#
# Asserted: no ejection; torn_reads stays 0; a grace period followed every
# push; the daemon logged reload and hotplug pushes back to back; and the
# live tables still place a thread right afterwards.
# timeout: 240

cp data/reload_a.json /tmp/policy.json   # llm: forward 0-1, backward 2-3
start_daemon /tmp/policy.json || return
stress-ng --cpu 4 --timeout 100s >/dev/null 2>&1 &
load=$!
sleep 1
online() { echo "$2" >"/sys/devices/system/cpu/cpu$1/online"; }
for i in $(seq 30); do
    online 3 0
    kill -HUP "$DAEMON_PID"
    sleep 0.3
    online 3 1
    kill -HUP "$DAEMON_PID"
    sleep 0.3
done
sleep 1
st=$(llm-schedctl status --json)
gen=$(echo "$st" | jq -r .generation)
torn=$(echo "$st" | jq -r .scheduler.torn_reads)
gp=$(echo "$st" | jq -r .scheduler.grace_periods)
note "generation $gen, grace periods $gp, torn reads $torn"
metric generation "$gen"; metric grace_periods "$gp"
check "still llm_sched after 120 pushes" test "$(scx_ops)" = llm_sched
check "no dispatch found its table slot rewritten under it (torn_reads $torn)" test "$torn" -eq 0
# Every push after the first (the one before attach) waits once.
check "a grace period after every push ($gp for generation $gen)" test "$gp" -ge $((gen - 1))
check "at least 100 pushes ($gen generations)" test "$gen" -ge 100
# A reload and a hotplug push in one pass: consecutive generations within 50 ms.
pairs=$(awk '/reload \(SIGHUP\): generation/ { t = $2; g = $0; sub(/.*generation /, "", g); sub(/ .*/, "", g); next }
             /CPU hotplug: online CPUs/ && t != "" { h = $0; sub(/.*generation /, "", h); sub(/ .*/, "", h);
                 split(t, a, ":"); split($2, b, ":"); if (h == g + 1 && (b[3] - a[3]) < 0.05 && (b[3] - a[3]) >= 0) n++ }
             END { print n + 0 }' "$DAEMON_LOG")
note "reload then hotplug push within 50 ms: $pairs times"
check "reloads and hotplug pushes came back to back ($pairs times)" test "$pairs" -gt 0
llm-schedctl phase backward -- schedprobe spin --comm llm-bench-b --seconds 3 >/tmp/bw
check "a backward thread still runs on 2-3 ($(sed -n 's/.*cpus=\([0-9,]*\).*/\1/p' /tmp/bw))" \
    test "$(sed -n 's/.*cpus=\([0-9,]*\).*/\1/p' /tmp/bw)" = 2,3
kill $load 2>/dev/null; wait $load 2>/dev/null
