# SPDX-License-Identifier: GPL-2.0-only
# Phase marks and who may set them: an unprivileged user marks its own
# threads (C API, `llm-schedctl phase -- CMD`), cannot mark root's or
# another user's threads; root can mark any thread by --tid. A switch
# costs microseconds.
# timeout: 150

# Strict sets: every sample must be in its phase's own set (soft sets,
# the default, would lend idle CPUs across: vm.soft_phases).
jq '(.classes[] | select(.phases) | .phases.strict) = true' configs/default.json >/tmp/strict.json
start_daemon /tmp/strict.json || return
slack() { cat "/proc/$1/timerslack_ns"; }

out=$(su llmuser -s /bin/sh -c 'llm-schedctl phase forward -- cat /proc/self/timerslack_ns')
check "llmuser marks itself and the mark survives exec (slack $out)" test "$out" = 50101

su llmuser -s /bin/sh -c 'llm-demo --threads 2 --seconds 4 --swap-at 2 --forward 0-1 --backward 2-3 --strict' >/tmp/u.txt 2>&1
rc=$?
sed 's/^/note: /' /tmp/u.txt
check "llmuser's own threads are pinned by their marks (llm-demo --strict rc $rc)" test "$rc" -eq 0

schedprobe spin --comm llm-bench-r --seconds 30 >/dev/null &   # in class llm, which has phases
root_pid=$!
before=$(slack "$root_pid")
su llmuser -s /bin/sh -c "llm-schedctl phase forward --tid $root_pid" >/tmp/e.txt 2>&1
rc=$?
note "$(cat /tmp/e.txt)"
check "llmuser cannot mark root's thread (rc $rc)" test "$rc" -ne 0
check "the refusal says why" grep -q 'is not yours (uid 0' /tmp/e.txt
check "and root's thread is unchanged ($(slack "$root_pid"))" test "$(slack "$root_pid")" = "$before"

su nobody -s /bin/sh -c 'exec schedprobe spin --seconds 30 >/dev/null' &
sleep 0.5
other=$(for d in /proc/[0-9]*; do [ "$(cat $d/comm 2>/dev/null)" = schedprobe ] && [ "$(awk '/^Uid:/ { print $2 }' $d/status)" = 65534 ] && basename $d; done | head -1)
su llmuser -s /bin/sh -c "llm-schedctl phase backward --tid $other" >/dev/null 2>&1
check "llmuser cannot mark another user's thread (pid $other)" test "$(slack "$other")" != 50102

llm-schedctl phase backward --tid "$root_pid"
check "root marks a thread by --tid" test "$(slack "$root_pid")" = 50102
sleep 0.3
phase=$(llm-schedctl task "$root_pid" --json | jq -r .phase)
note "scheduler sees tid $root_pid as: $(llm-schedctl task "$root_pid")"
check "and the scheduler sees it (phase $phase)" test "$phase" = backward
llm-schedctl phase none --tid "$root_pid"
check "none restores the default slack" test "$(slack "$root_pid")" = 50000

cost=$(su llmuser -s /bin/sh -c 'schedprobe phasecost --loops 20000')
note "$cost (emulated CPU: real hardware is faster)"
ns=$(echo "$cost" | sed -n 's/.*ns_per_switch=\([0-9]*\).*/\1/p')
metric phase_switch_ns "$ns"
check "a switch costs microseconds, not milliseconds (${ns} ns under TCG)" test "${ns:-999999999}" -lt 100000
kill "$root_pid" 2>/dev/null
