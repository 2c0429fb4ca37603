# SPDX-License-Identifier: GPL-2.0-only
# Memory that follows pressure ("memory": {"protect": ...}; service/
# memory_protector.h) on the real kernel's PSI. The train class protects
# itself (some avg10 target 5%, floor 64M); batch, under it, holds 300 MiB.
# The host budget is llm.slice's memory.high (as a systemd MemoryHigh on
# the slice would be), set by the scenario a little above what batch
# holds, so train's allocations stall on memory (the kernel's over-high
# throttling). The PSI trigger on train's memory.pressure wakes the
# daemon, which steps batch's memory.high down, never below the floor,
# with batch alive; verify does not call the held value drift. Before
# that, train's (empty) cgroup is removed and recreated under the daemon:
# the trigger is armed again and the daemon does not spin. When train stops
# allocating and its pressure falls, batch is stepped back up; stopping the
# daemon while it is still held puts the policy value (900M) back. No swap here: batch's memory
# cannot be taken back, only its growth stopped, so this checks the
# controller and its effects, not relief (docs/policy.md says so).
# timeout: 360

cg=/sys/fs/cgroup
cp "$(command -v weights)" /tmp/mp-hog
cp "$(command -v weights)" /tmp/mp-train
cp data/memory_protect.json /tmp/policy.json
start_daemon /tmp/policy.json || return
mp() { llm-schedctl status --json | jq -c "$1"; }
high() { cat $cg/llm.slice/batch/memory.high; }
check "the PSI trigger is armed on train's memory.pressure ($(mp '.memory_protect.protectors[0].trigger'))" \
    sh -c 'llm-schedctl status --json | jq -r ".memory_protect.protectors[0].trigger" | grep -q "^armed: some 25000 500000$"'
check "calm: nothing sampled, batch at its policy's memory.high ($(high))" \
    test "$(mp '.memory_protect.sampling')/$(high)" = "false/943718400"

# Someone removes train's (empty) cgroup; the memory side recreates it. The
# trigger on the old file is dead (POLLERR for ever): it must be armed again
# on the new one, without spinning the daemon's poll loop meanwhile.
cpu() { awk '{ print $14 + $15 }' /proc/$DAEMON_PID/stat; }
c0=$(cpu)
rmdir $cg/llm.slice/train
i=0; while ! mp '.memory_protect.protectors[0].trigger' | grep -q '"armed: ' || \
          [ "$(mp '.memory_protect.protectors[0].rearmed')" -lt 1 ]; do
    [ $i -ge 40 ] && break; sleep 0.5; i=$((i + 1)); done
check "train's cgroup removed and recreated: the trigger is armed again ($(mp '.memory_protect.protectors[0] | {trigger, rearmed}'))" \
    test -d $cg/llm.slice/train -a "$(mp '.memory_protect.protectors[0].rearmed')" -ge 1
sleep 3
c1=$(cpu)
check "  and the daemon did not spin meanwhile ($((c1 - c0)) CPU ticks in $(( i / 2 + 3 )) s)" test $((c1 - c0)) -lt 150

/tmp/mp-hog --mode 4k --mb 300 --hold -1 --wait-cgroup /llm.slice/batch >/tmp/hog.out &
hog=$!
i=0; while ! grep -q . /tmp/hog.out 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
cur=$(cat $cg/llm.slice/batch/memory.current)
note "batch holds $((cur >> 20)) MiB"
echo $(( cur + (48 << 20) )) >$cg/llm.slice/memory.high

# churn: train allocates and frees 96 MiB, over and over, until
# /tmp/stop-churn. The loop's shell goes into train's cgroup itself, so
# every run is charged there from its first page (placement by exec is
# vm.memory_cgroups' subject; waiting for it here made the pressure start
# late, 45 s in one fresh-clone run).
churn() {
    rm -f /tmp/stop-churn
    sh -c 'echo $$ >'"$cg"'/llm.slice/train/cgroup.procs || exit 1
        while [ ! -e /tmp/stop-churn ]; do /tmp/mp-train --mode 4k --mb 96 --hold 0 >/dev/null 2>&1; done'
}
churn &
ch=$!
t0=$(now_ms)
i=0; while [ "$(mp '.memory_protect.lower[0].lowered')" -lt 1 ] && [ $i -lt 120 ]; do sleep 0.5; i=$((i + 1)); done
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(mp '.memory_protect')"
check "train's pressure woke the daemon through the re-armed trigger: it fired ($(mp '.memory_protect.protectors[0].triggers_fired'))" \
    test "$(mp '.memory_protect.protectors[0].triggers_fired')" -ge 1
check "batch's memory.high was stepped down ($(high))" test "$(high)" -lt $(( 300 << 20 ))
i=0; while [ "$(high)" != $(( 64 << 20 )) ] && [ $i -lt 60 ]; do sleep 0.5; i=$((i + 1)); done
check "  to the floor, 64M, and no lower ($(high))" test "$(high)" = $(( 64 << 20 ))
sleep 3
check "  and held there ($(high))" test "$(high)" = $(( 64 << 20 ))
lows=$(grep 'memory protect batch: lower' "$DAEMON_LOG" | sed 's/.* = \([0-9]*\))$/\1/')
under=0; for v in $lows; do [ "$v" -lt $(( 64 << 20 )) ] && under=$((under + 1)); done
check "every step it logged ($(echo $lows | wc -w)) is at or over the floor ($under under)" test "$under" -eq 0 -a -n "$lows"
check "batch is alive at its floor" kill -0 $hog
check "verify: the held value is not drift" llm-schedctl verify
llm-schedctl stats >/tmp/stats.txt
check "stats: a memory protect line for batch" grep -q '^memory protect batch: memory.high 64M (held down), floor 64M' /tmp/stats.txt
llm-schedctl stats --prometheus >/tmp/prom.txt
check "Prometheus: llm_schedd_memory_protect_high_bytes" grep -q "^llm_schedd_memory_protect_high_bytes{class=\"batch\"} $(( 64 << 20 ))\$" /tmp/prom.txt
check "Prometheus: train's PSI" grep -q '^llm_schedd_memory_protect_psi_some_avg10{class="train"} ' /tmp/prom.txt

# Calm: train stops; its avg10 decays and batch is stepped back up. The
# daemon is stopped while batch is still held below its policy value: stop
# writes the policy's 900M back. (The whole climb to the lift is in the
# unit and fixture tests; here one more episode would wait on the
# kernel's throttling to build up again, 17-45 s each.)
touch /tmp/stop-churn; wait $ch
t0=$(now_ms)
i=0; while [ "$(mp '.memory_protect.lower[0].raised')" -lt 1 ] && [ $i -lt 180 ]; do sleep 0.5; i=$((i + 1)); done
note "after $(( ($(now_ms) - t0) / 1000 )) s: $(mp '.memory_protect.lower[0]')"
check "calm again: batch is stepped back up ($(mp '.memory_protect.lower[0].raised') steps, memory.high $(high))" \
    test "$(mp '.memory_protect.lower[0].raised')" -ge 1 -a "$(high)" -gt $(( 64 << 20 ))
check "batch is alive" kill -0 $hog
held=$(high)
echo max >$cg/llm.slice/memory.high
stop_daemon
check "stop put the policy's memory.high back (held at $held)" \
    grep -q 'memory protect batch: stopping: the policy.s memory.high back (.* = 943718400)' "$DAEMON_LOG"
kill $hog 2>/dev/null; wait $hog 2>/dev/null
