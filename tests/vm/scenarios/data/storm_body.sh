# SPDX-License-Identifier: GPL-2.0-only
# The body of storm_2vcpu.sh and storm_4vcpu.sh: 120 s of hostile load that
# a local user can create. At once:
#   - stress-ng --aggressive: CPU hogs, a fork storm, affinity churn, and
#     pthread workers that keep up to 1024 threads each coming and going;
#   - a spinner storm in the top class (FIFO order): a new batch of
#     CPU-bound top-class threads, one per vCPU, every second, each living
#     1-4 s, so the top class alone is oversubscribed most of the time;
#   - a class that owns vCPU 1 exclusively and always has a runnable
#     thread there, and three background tasks pinned (taskset) to vCPU 1.
# Before the guard covered every waiter, each of the last two ejected the
# scheduler within seconds on its own.
#
# Asserted: no ejection (the harness, and the daemon's count), the daemon
# alive and llm_sched still attached after 120 s; the stressors finished;
# at least 800 tasks at once; each pinned task's longest scheduler wait
# under half the kernel's watchdog. The storm puts more overdue waiters on
# vCPU 1 than the guard can serve within starvation_ms under this emulator
# (a rescue costs about 5 ms here, see vm.guard_scale, and twice that with
# 4 vCPUs on 2 host cores): 203-235 ms were measured on 2 vCPUs and up to
# 1012 ms on 4, against the 200 ms bound. Past its capacity the guard
# degrades by waits, never by an ejection.
start_daemon data/storm.json || return
harness_rt
N=$(nproc)
( peak=0; while [ ! -e /tmp/storm.done ]; do
      t=$(cut -d' ' -f4 /proc/loadavg); t=${t#*/}; [ "$t" -gt "$peak" ] && peak=$t; echo "$peak" >/tmp/peak; sleep 1
  done ) &
$NORMAL stress-ng --aggressive --cpu "$N" --fork "$N" --affinity "$N" --pthread 1 --pthread-max 1024 \
    --timeout 120s --metrics-brief >/tmp/stress.log 2>&1 &
stress=$!
( end=$(( $(now_ms) + 115000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
      for i in $(seq "$N"); do $NORMAL schedprobe spin --comm storm-top --seconds $(( RANDOM % 4 + 1 )) >/dev/null & done
      sleep 1
  done
  wait ) &
storm=$!
$NORMAL schedprobe spin --comm own-storm --seconds 118 >/tmp/own &
own=$!
pins=
for i in 1 2 3; do $NORMAL taskset -c 1 schedprobe spin --seconds 118 >/tmp/pin.$i & pins="$pins $!"; done
sleep 112
worst=0
for p in $pins; do
    ms=$(( $(task_field "$p" 'max_wait_ns // 999999999999') / 1000000 ))
    note "pinned task $p: longest scheduler wait ${ms} ms"
    [ "$ms" -gt "$worst" ] && worst=$ms
done
wait $stress; src=$?
touch /tmp/storm.done
wait $storm $own $pins
grep -E 'metrc:.* (cpu|fork|affinity|pthread) ' /tmp/stress.log | sed 's/^/note: /'
llm-schedctl stats | sed 's/^/note: /'
metric pinned_worst_wait_ms "$worst"
metric peak_tasks "$(cat /tmp/peak)"
check "stress-ng finished (rc $src)" test "$src" -eq 0
check "the daemon is alive" kill -0 "$DAEMON_PID"
check "llm_sched still attached after 120 s" test "$(scx_ops)" = llm_sched
check "the daemon saw no ejection" test "$(llm-schedctl status --json | jq -r .scheduler.ejections)" -eq 0
check "every pinned task inside the exclusive set waited under half the watchdog (worst ${worst} ms)" \
    test "$worst" -lt 2500
check "the owner ran ($(cat /tmp/own))" grep -q 'progress=[1-9]' /tmp/own
check "at least 800 tasks at once (peak $(cat /tmp/peak))" test "$(cat /tmp/peak)" -ge 800
