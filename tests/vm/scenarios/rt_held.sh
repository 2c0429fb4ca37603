# SPDX-License-Identifier: GPL-2.0-only
# A CPU held by an RT or deadline task is never "between tasks": a waking
# top-class thread is not parked behind it. vCPU 1 runs a SCHED_FIFO
# spinner (95% of it; the kernel leaves the rest to the normal classes),
# vCPU 0 a background spinner, and a top-class thread sleeps 1 ms at a
# time. It must wake by preempting the background task on vCPU 0. Before,
# llm_sched saw vCPU 1 as between tasks (no class running) and queued the
# thread there, behind the RT spinner, for up to 950 ms. Then the same with
# a SCHED_DEADLINE spinner (90 ms of every 100 ms) that the kernel moves
# between the vCPUs.
#
# Asserted: beside the RT spinner, the top thread's wake-up p99 and max stay
# within a few ticks, and the scheduler counted the CPU being taken
# (cpu_releases). Beside the deadline spinner, where even the kernel's own
# scheduler keeps a normal thread waiting behind it (measured first, in the
# same boot), the top thread's p99 is at most 15% over the larger of the
# default scheduler's and the 90 ms budget.
# vcpus: 2
# timeout: 180

lat() { sed -n "s/.*$1_us=\([0-9]*\).*/\1/p" "$2"; }
dl_spinner() {
    chrt -d --sched-runtime 90000000 --sched-deadline 100000000 --sched-period 100000000 0 \
        schedprobe spin --seconds "$1" >/tmp/dl &
    dl=$!
}
taskset -c 0 schedprobe spin --seconds 60 >/dev/null &
bg=$!
sleep 0.5
# Baselines under the kernel's default scheduler.
taskset -c 1 chrt -f 50 schedprobe spin --seconds 5 >/dev/null &
rt=$!; sleep 0.5
schedprobe wake --loops 2000 >/tmp/base.rt
wait $rt
dl_spinner 5; sleep 0.5
schedprobe wake --loops 2000 >/tmp/base.dl
wait $dl
note "default scheduler beside RT: $(cat /tmp/base.rt); beside deadline: $(cat /tmp/base.dl)"

start_daemon data/rt_held.json || return
# Without a deadline server for sched_ext tasks (6.12 and 6.19; 7.3 has it) nothing
# runs on vCPU 1 while the spinner holds it, not even its per-CPU kernel
# threads, and the kernel ejects any sched_ext scheduler once one waited
# 5 s. There the spinner stays under that, and status must say why.
rt_secs=8 loops=2000
if [ "$(llm-schedctl status --json | jq -r .scheduler.kernel.ext_server)" = false ]; then
    rt_secs=3 loops=1000
    note "no deadline server for sched_ext on $(uname -r): RT spinner held to ${rt_secs} s"
    check "status names the missing deadline server" sh -c \
        "llm-schedctl status --json | jq -e '.scheduler.kernel.degraded | any(contains(\"deadline server\"))' >/dev/null"
fi
taskset -c 1 chrt -f 50 schedprobe spin --seconds $rt_secs >/tmp/rt &
rt=$!
sleep 0.5
schedprobe wake --comm top-w --loops $loops >/tmp/wake.rt
wait $rt
note "RT spinner: $(cat /tmp/rt); top thread: $(cat /tmp/wake.rt)"
metric rt_wake_p99_us "$(lat p99 /tmp/wake.rt)"; metric rt_wake_max_us "$(lat max /tmp/wake.rt)"
metric default_rt_wake_p99_us "$(lat p99 /tmp/base.rt)"
check "beside an RT spinner, top wake-up p99 $(lat p99 /tmp/wake.rt) us <= 20 ms" test "$(lat p99 /tmp/wake.rt)" -le 20000
check "and max $(lat max /tmp/wake.rt) us <= 60 ms" test "$(lat max /tmp/wake.rt)" -le 60000
rel=$(sched_stat scheduler.cpu_releases)
check "the scheduler saw the RT task take a CPU ($rel cpu_releases)" test "$rel" -gt 0

dl_spinner 8
sleep 0.5
schedprobe wake --comm top-w --loops 2000 >/tmp/wake.dl
wait $dl
note "deadline spinner: $(cat /tmp/dl); top thread: $(cat /tmp/wake.dl)"
metric dl_wake_p99_us "$(lat p99 /tmp/wake.dl)"; metric dl_wake_max_us "$(lat max /tmp/wake.dl)"
metric default_dl_wake_p99_us "$(lat p99 /tmp/base.dl)"
# Both p99s are the deadline task's 90 ms budget plus noise, and the
# default scheduler's own p99 may fall short of the budget when its
# wake-ups land on the other vCPU (CI saw 80 ms, then llm_sched 92.7 ms).
# So the bound is 15% over the larger of the two. The bug this guards
# against was ten times the default.
base_dl=$(lat p99 /tmp/base.dl)
ref_dl=$(( base_dl > 90000 ? base_dl : 90000 ))
check "beside a deadline spinner, top wake-up p99 $(lat p99 /tmp/wake.dl) us <= max(default $base_dl us, 90 ms budget) + 15%" \
    test "$(lat p99 /tmp/wake.dl)" -le $((ref_dl * 115 / 100))
check "the deadline task ran ($(cat /tmp/dl))" grep -q 'progress=[1-9]' /tmp/dl
kill $bg; wait $bg 2>/dev/null
check "still llm_sched" test "$(scx_ops)" = llm_sched
