# SPDX-License-Identifier: GPL-2.0-only
# Every counter of `llm-schedctl stats` counts what its name says: each is
# driven by a workload whose count is known, and its change compared with
# that count (class counters, the kernel-thread row and the guard and RT
# hand-over line). In the first demo, phase-mig read 0 while threads
# swapped phase sets every second: a phase switch through the C API yields,
# so the move happened in ops.enqueue, where nothing counted it.
# timeout: 240

cp data/stats_a.json /tmp/policy.json
start_daemon /tmp/policy.json || return
harness_rt
snap() { llm-schedctl stats --json >"$1"; }
# d BEFORE AFTER JQ-PATH: the change of one number.
d() { echo $(( $(jq -r "$3" "$2") - $(jq -r "$3" "$1") )); }
cls() { echo ".classes[] | select(.name == \"$1\") | .$2"; }
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
hogs() { H=; for i in 1 2 3 4; do $NORMAL schedprobe spin --seconds "$1" >/dev/null & H="$H $!"; done; }

# 1. 400 wake-ups of one probe thread among 4 CPU hogs.
hogs 12; sleep 0.5
snap /tmp/s0
$NORMAL schedprobe wake --comm probe-w --loops 400 >/tmp/w
snap /tmp/s1
kill $H; wait $H 2>/dev/null
enq=$(d /tmp/s0 /tmp/s1 "$(cls probe enqueues)"); dis=$(d /tmp/s0 /tmp/s1 "$(cls probe dispatches)")
pre=$(d /tmp/s0 /tmp/s1 "$(cls probe preemptions)")
waits=$(( $(jq "[$(cls probe wait_hist_log2_ns)[]] | add" /tmp/s1) - $(jq "[$(cls probe wait_hist_log2_ns)[]] | add" /tmp/s0) ))
note "400 wake-ups: enqueues +$enq, dispatches +$dis, preemptions +$pre, waits recorded +$waits; $(cat /tmp/w)"
check "enqueues: one per wake-up (+$enq for 400)" within "$enq" 400 440
check "dispatches: one per enqueue (+$dis for +$enq)" within "$dis" $((enq - 2)) $((enq + 2))
check "preemptions: most wake-ups preempted a hog (+$pre)" within "$pre" 300 "$enq"
# A wait is recorded when a task starts running. An enqueue that ends in a
# dequeue (a property change) or a second enqueue (a re-enqueue) starts no run,
# so the count sits between the wake-ups and the enqueues.
check "wait histogram: one wait per run (+$waits for 400 wake-ups, +$enq enqueues)" within "$waits" 398 "$enq"

# 2. runtime: a 3 s spinner, against the kernel's own CPU time for it.
snap /tmp/s0
$NORMAL schedprobe spin --comm probe-s --seconds 3 >/dev/null &
sp=$!
sleep 2.8
kcpu=$(cut -d' ' -f1 /proc/$sp/schedstat)
wait $sp
snap /tmp/s1
rt=$(d /tmp/s0 /tmp/s1 "$(cls probe runtime_ns)")
note "runtime +$((rt / 1000000)) ms; the kernel counted $((kcpu / 1000000)) ms by 2.8 s"
check "runtime_ns matches the kernel's CPU time (+$((rt / 1000000)) ms)" within "$rt" "$kcpu" $((kcpu * 12 / 10))

# 3. phase_migrations: 200 switches between disjoint sets (0-1, 2-3).
snap /tmp/s0
$NORMAL schedprobe phasecost --comm probe-p --loops 200 >/tmp/pc
snap /tmp/s1
pm=$(d /tmp/s0 /tmp/s1 "$(cls probe phase_migrations)")
note "200 phase switches: phase_migrations +$pm ($(cat /tmp/pc))"
check "phase_migrations: one per switch between disjoint sets (+$pm for 200)" within "$pm" 180 205

# 4. affinity_fallbacks: a forward thread pinned to CPU 3, outside 0-1.
snap /tmp/s0
# A timer that fires before the sleeper has left its CPU wakes it without an
# enqueue, so 150 sleeps promise at least 100 enqueues, not 150.
$NORMAL taskset -c 3 llm-schedctl phase forward -- schedprobe wake --comm probe-a --loops 150 >/dev/null
snap /tmp/s1
af=$(d /tmp/s0 /tmp/s1 "$(cls probe affinity_fallbacks)"); ae=$(d /tmp/s0 /tmp/s1 "$(cls probe enqueues)")
note "pinned outside its phase set: affinity_fallbacks +$af, enqueues +$ae"
check "affinity_fallbacks: every enqueue of the pinned thread (+$af of +$ae)" within "$af" "$ae" "$ae"
check "the pinned thread was enqueued at least 100 times in 150 sleeps, at most 170 (+$ae)" within "$ae" 100 170

# 5. The guard, with the share (2%) and then without it (reload to 0%):
# 4 FIFO probe spinners fill the 4 vCPUs, 4 hogs wait.
P=$(( $(llm-schedctl status --json | jq -r '.generation') ))
spinners() { S=; for i in 1 2 3 4; do $NORMAL schedprobe spin --comm probe-s --seconds "$1" >/dev/null & S="$S $!"; done; }
spinners 7; sleep 0.3; hogs 7; sleep 0.5
snap /tmp/s0; t0=$(now_ms)
sleep 5
snap /tmp/s1; t1=$(now_ms)
wins_expected=$(( (t1 - t0) / 50 * 4 ))
win=$(d /tmp/s0 /tmp/s1 .scheduler.guard_windows); cut=$(d /tmp/s0 /tmp/s1 .scheduler.guard_cuts)
tim=$(d /tmp/s0 /tmp/s1 .scheduler.slice_timer_kicks); sh=$(d /tmp/s0 /tmp/s1 "$(cls hog guard_share_runs)")
res=$(d /tmp/s0 /tmp/s1 "$(cls hog starvation_rescues)")
note "share 2%, $((t1 - t0)) ms: windows +$win (about $wins_expected), cuts +$cut, share runs +$sh, rescues +$res, timer ends +$tim"
# Under single-threaded TCG a vCPU's clock can jump past a window, so a
# few are never entered; none is entered twice.
check "guard_windows: at most one per 50 ms window per busy vCPU (+$win, nominal $wins_expected)" \
    within "$win" $((wins_expected * 6 / 10)) $((wins_expected * 105 / 100))
# A window is entered at a tick (a cut if the guard is due) or at a dispatch.
check "guard_cuts: at most one per window entered (+$cut of +$win)" within "$cut" 1 "$win"
# One 1 ms run per window and vCPU; a second one if the first ended early.
check "guard_share_runs: one or two share runs per window and vCPU (+$sh for +$win)" within "$sh" $((win / 3)) $((win * 2))
check "slice_timer_kicks: guard runs of CPU hogs end by their timer (+$tim for +$((sh + res)) runs)" \
    within "$tim" $(( (sh + res) / 2 )) $((sh + res))
kill $S $H; wait $S $H 2>/dev/null
cp data/stats_b.json /tmp/policy.json; llm-schedctl reload >/dev/null
spinners 7; sleep 0.3; hogs 7; sleep 0.5
note "$(llm-schedctl status --json | jq -c '{generation, last_reload}')"
snap /tmp/s0; sleep 5; snap /tmp/s1
llm-schedctl stats | sed 's/^/note: /' 
sh=$(d /tmp/s0 /tmp/s1 "$(cls hog guard_share_runs)"); res=$(d /tmp/s0 /tmp/s1 "$(cls hog starvation_rescues)")
note "share 0%, 5 s: share runs +$sh, rescues +$res (each of 4 hogs overdue about every 125-150 ms: 130-160)"
check "without a share: no share runs (+$sh)" test "$sh" -eq 0
check "starvation_rescues: each waiting hog about once per 100-200 ms (+$res)" within "$res" 80 260
kill $S $H; wait $S $H 2>/dev/null

# 6. An RT thread waking 200 times on vCPUs busy with hogs.
hogs 10; sleep 0.5
snap /tmp/s0
chrt -f 50 schedprobe wake --loops 200 >/dev/null
snap /tmp/s1
kill $H; wait $H 2>/dev/null
rel=$(d /tmp/s0 /tmp/s1 .scheduler.cpu_releases); rq=$(d /tmp/s0 /tmp/s1 .scheduler.reenqueued)
note "200 RT wake-ups: cpu_releases +$rel, reenqueued +$rq"
check "cpu_releases: one per RT run on a busy vCPU (+$rel for 200)" within "$rel" 180 260
# Only a preempted hog that still had slice left waits in the local queue
# when the RT task takes over (an expired one goes through ops.enqueue).
check "reenqueued: waiters moved off the vCPUs the RT task took (+$rq, at most +$rel)" within "$rq" 1 "$rel"

# 7. Kernel threads: each stat_refresh write runs a kworker on every vCPU.
snap /tmp/s0
for i in $(seq 50); do echo 1 >/proc/sys/vm/stat_refresh; done
snap /tmp/s1
kr=$(d /tmp/s0 /tmp/s1 .kernel_threads.runs)
note "50 stat_refresh writes: kernel-thread runs +$kr"
check "kernel_threads.runs: at least one per vCPU per write (+$kr >= 200)" test "$kr" -ge 200
check "kernel_threads.runtime_ns moved" test "$(d /tmp/s0 /tmp/s1 .kernel_threads.runtime_ns)" -gt 0
llm-schedctl stats | sed 's/^/note: /'
