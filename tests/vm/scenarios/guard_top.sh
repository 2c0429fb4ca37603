# SPDX-License-Identifier: GPL-2.0-only
# The starvation bound covers the top class too: four CPU-bound threads in
# a top class with FIFO order on 2 vCPUs, one more in a class that shares
# the top priority, and one background spinner. Before the bound covered
# every waiter the kernel ejected the scheduler here ("runnable task
# stall", 5.3 s); FIFO ordered the class and also meant "runs until it
# blocks".
#
# Asserted for every task: no ejection (the harness), the scheduler's
# longest wait for it <= starvation_ms (200 ms), and the longest gap in its
# own progress < 2 x starvation_ms (the emulator's stalls, measured in
# vm.starvation, come on top of the scheduler's wait).
# vcpus: 2
# timeout: 150

start_daemon data/guard_top.json || return
harness_rt
pids=
for i in 1 2 3 4; do $NORMAL schedprobe spin --comm spin-top --seconds 20 >/tmp/top.$i & pids="$pids $!"; done
$NORMAL schedprobe spin --comm spin-twin --seconds 20 >/tmp/twin & pids="$pids $!"
$NORMAL schedprobe spin --seconds 20 >/tmp/bg & pids="$pids $!"
sleep 18
n=0
for p in $pids; do
    n=$((n + 1))
    rt llm-schedctl task "$p" --json >/tmp/task.$n || echo '{}' >/tmp/task.$n
done
wait $pids
check "still llm_sched after 20 s of an oversubscribed FIFO top class" test "$(scx_ops)" = llm_sched
n=0
for f in /tmp/top.1 /tmp/top.2 /tmp/top.3 /tmp/top.4 /tmp/twin /tmp/bg; do
    n=$((n + 1))
    cls=$(jq -r .class /tmp/task.$n)
    wait_ms=$(( $(jq -r '.max_wait_ns // 999999999999' /tmp/task.$n) / 1000000 ))
    gap_ms=$(( $(sed -n 's/.*max_gap_us=\([0-9]*\).*/\1/p' "$f") / 1000 ))
    prog=$(sed -n 's/.*progress=\([0-9]*\).*/\1/p' "$f")
    note "$cls task $n: longest scheduler wait ${wait_ms} ms, longest own gap ${gap_ms} ms, progress $prog"
    metric "${cls}_${n}_max_wait_ms" "$wait_ms"
    check "$cls task $n waited at most starvation_ms (${wait_ms} ms <= 200)" test "$wait_ms" -le 200
    check "$cls task $n saw no gap over 2 x starvation_ms (${gap_ms} ms < 400)" test "$gap_ms" -lt 400
done
check "the guard rescued top-class waiters ($(class_stat top starvation_rescues))" test "$(class_stat top starvation_rescues)" -gt 0
