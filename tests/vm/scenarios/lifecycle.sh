# SPDX-License-Identifier: GPL-2.0-only
# The daemon's life as systemd sees it, and its control socket's rules:
# - sd_notify (a stand-in listener): READY with a STATUS, WATCHDOG pings at
#   half of WATCHDOG_USEC, RELOADING then READY on SIGHUP, STOPPING on TERM;
# - the socket: group llm may read stats, only root reloads, others cannot
#   connect;
# - SIGTERM detaches within 2 s and workloads keep running;
# - a second SIGTERM during the stop ends the process at once, and the
#   kernel still detaches the scheduler.
# timeout: 180

notify-listen /tmp/notify.sock 40 >/tmp/notify.txt &
listener=$!
sleep 0.3
export NOTIFY_SOCKET=/tmp/notify.sock WATCHDOG_USEC=2000000
start_daemon data/lifecycle.json || return
unset NOTIFY_SOCKET WATCHDOG_USEC
schedprobe spin --seconds 120 >/dev/null &
spinner=$!
sleep 3.2
kill -HUP "$DAEMON_PID"
sleep 0.5

# Socket rules.
ls -l /run/llm-schedd/control.sock | sed 's/^/note: /'
check "the socket is root:llm, mode 0660" test "$(stat -c '%U:%G %a' /run/llm-schedd/control.sock)" = "root:llm 660"
su llmuser -s /bin/sh -c 'llm-schedctl stats --json' >/tmp/member.txt 2>&1
check "group llm (llmuser) reads stats" grep -q '"generation"' /tmp/member.txt
su llmuser -s /bin/sh -c 'llm-schedctl reload' >/tmp/member.txt 2>&1
check "group llm may not reload: $(cat /tmp/member.txt)" grep -q "needs root" /tmp/member.txt
su nobody -s /bin/sh -c 'llm-schedctl status' >/tmp/nobody.txt 2>&1
check "nobody cannot connect: $(head -1 /tmp/nobody.txt)" grep -q "Permission denied" /tmp/nobody.txt
check "root reloads" llm-schedctl reload

# SIGTERM: detached within 2 s, tasks keep running.
stop_daemon
metric stop_ms "$STOP_MS"
check "SIGTERM: exit 0 ($DAEMON_RC)" test "$DAEMON_RC" -eq 0
check "SIGTERM: sched_ext disabled within 2 s ($STOP_MS ms)" test "$STOP_MS" -lt 2000
check "the socket is removed" test ! -e /run/llm-schedd/control.sock
t0=$(awk '{ print $14 + $15 }' "/proc/$spinner/stat"); sleep 1; t1=$(awk '{ print $14 + $15 }' "/proc/$spinner/stat")
check "a workload keeps running after the stop ($t0 -> $t1 ticks)" test "$t1" -gt "$t0"
sleep 1
kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
sed 's/^/note: notify /' /tmp/notify.txt | grep -v WATCHDOG
check "READY=1 with a STATUS" grep -q "STATUS=generation 1 live; llm_sched attached" /tmp/notify.txt
check "RELOADING=1 on SIGHUP" grep -q " RELOADING=1" /tmp/notify.txt
check "READY again with generation 2" grep -q "STATUS=generation 2 live" /tmp/notify.txt
check "STOPPING=1 on SIGTERM" grep -q " STOPPING=1" /tmp/notify.txt
# Pings every ~1 s over ~5 s of life; an emulated CPU may stretch a few.
pings=$(grep -c " WATCHDOG=1" /tmp/notify.txt)
metric watchdog_pings "$pings"
check "WATCHDOG=1 every WATCHDOG_USEC/2 ($pings pings)" test "$pings" -ge 3
gap=$(awk '/ WATCHDOG=1/ { if (p) { g = $1 - p; if (g > m) m = g } p = $1 } END { print m + 0 }' /tmp/notify.txt)
metric watchdog_max_gap_ms "$gap"
check "no watchdog gap reaches WATCHDOG_USEC ($gap ms)" test "$gap" -lt 2000

# A second TERM while stopping ends the process at once.
start_daemon data/lifecycle.json || return
pid=$DAEMON_PID
kill -TERM "$pid"; sleep 0.05; kill -TERM "$pid"
wait "$pid"; rc=$?
DAEMON_PID=
# 143: the second signal killed it mid-stop; 0: the stop had finished first.
note "after two SIGTERMs the daemon exited with $rc"
check "the second SIGTERM ends the daemon (exit $rc)" test "$rc" -eq 0 -o "$rc" -eq 143
check "sched_ext is disabled afterwards either way" wait_state disabled 30
kill "$spinner"
