# SPDX-License-Identifier: GPL-2.0-only
# A low-class spinner under 100% high-priority load (one high-class spinner
# per vCPU) keeps running; 30 s, no ejection.
#
# Asserted: the longest runnable->running wait the scheduler gave the low
# task stays within starvation_ms (200 ms; the guard's share runs it about
# every 50-100 ms, overdue rescues at 100-150 ms), and the longest gap the
# task itself saw in its own progress stays under 2 x starvation_ms.
# Without the guard it waited 5.3 s. The two differ because a guard run is
# short, and a vCPU stall of a few ms (see the monitors) can eat it whole:
# with the first guard a bpf_printk trace showed a rescue "running" 6.5 ms
# with no user-space progress, so the task saw a 228 ms gap. Gaps over
# 220 ms are reported.
#
# 2 vCPUs, the host's core count: with 4 vCPUs on 2 host cores the host
# deschedules whole vCPU threads, and gaps of 500-660 ms appeared that no
# guest scheduler can prevent (measured; see the closing notes of issue 3).
# vcpus: 2
# timeout: 200

start_daemon data/starvation.json || return
# Stall monitors: a SCHED_FIFO thread per vCPU (above sched_ext) that sleeps
# 10 ms in a loop. Its longest oversleep is how long that vCPU ran nothing
# at all: time the emulator or the host took, which no guest scheduler can
# give back.
mons=
for c in $(seq 0 $(($(nproc) - 1))); do
    taskset -c "$c" schedprobe wake --fifo 99 --period-us 10000 --loops 3200 >/tmp/mon.$c & mons="$mons $!"
done
hogs=
for i in $(seq "$(nproc)"); do schedprobe spin --comm hog-hi --seconds 32 >/tmp/hi.$i & hogs="$hogs $!"; done
sleep 1
schedprobe spin --comm starve-lo --seconds 30 --gap-us 1000 >/tmp/lo &
lo=$!
sleep 27
llm-schedctl task "$lo" --json >/tmp/lo.task
wait $lo
wait $hogs
wait $mons
note "low: $(cat /tmp/lo)"
stall=0
for f in /tmp/mon.*; do
    note "stall monitor ${f#/tmp/mon.}: $(cat "$f")"
    m=$(sed -n 's/.*max_us=\([0-9]*\).*/\1/p' "$f")
    [ "${m:-0}" -gt "$stall" ] && stall=$m
done
metric vcpu_stall_max_us "$stall"
gap=$(sed -n 's/.*max_gap_us=\([0-9]*\).*/\1/p' /tmp/lo)
metric low_max_gap_us "$gap"
llm-schedctl stats | sed 's/^/note: /'
# The scheduler's own view of the low class's waits (log2 ns buckets 26..28:
# 67-134 ms, 134-268 ms, 268-537 ms).
hist=$(llm-schedctl stats --json | tr -d ' \n' | sed 's/.*"name":"background"//' |
    sed -n 's/.*"wait_hist_log2_ns":\[\([0-9,]*\)\].*/\1/p')
note "background waits seen by the scheduler, log2 ns buckets 0-31: $hist"
metric low_waits_134_268ms "$(echo "$hist" | cut -d, -f28)"
metric low_waits_268_537ms "$(echo "$hist" | cut -d, -f29)"
metric low_max_gap_within_220ms "$([ "${gap:-9999999}" -le 220000 ] && echo yes || echo no)"
note "low task as the scheduler saw it: $(cat /tmp/lo.task)"
wait_ms=$(sed -n 's/.*"max_wait_ns": \([0-9]*\).*/\1/p' /tmp/lo.task)
wait_ms=$(( ${wait_ms:-999999999999} / 1000000 ))
metric low_sched_max_wait_ms "$wait_ms"
check "the scheduler never kept the low task waiting past starvation_ms (longest ${wait_ms} ms <= 200)" \
    test "$wait_ms" -le 200
check "low class saw no gap over 2 x starvation_ms (longest ${gap}us < 400 ms)" test "${gap:-9999999}" -lt 400000
rescues=$(class_stat background starvation_rescues); shares=$(class_stat background guard_share_runs)
metric low_guard_runs "$((rescues + shares))"
check "the starvation guard ran it ($rescues overdue rescues, $shares share runs)" test $((rescues + shares)) -gt 0
check "still llm_sched after 30 s at 100% high-priority load" test "$(scx_ops)" = llm_sched
