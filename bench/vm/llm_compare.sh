# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/llm-compare.sh: llm-bench under (a) the kernel's
# default scheduler, (b) what an operator does without llm-schedd (taskset
# + nice -20 for the job) and (c) llm-schedd with a training policy; each
# without and with background noise (stress-ng CPU and memory hogs plus a
# hackbench loop: about 2x oversubscription of the vCPUs), and for
# training on 4K, THP and hugetlbfs weights. Inference also runs under
# SCHED_FIFO on the default scheduler, the floor the emulator allows for
# wake-ups under TCG (docs/testing.md, "Why a VM"). Then hackbench under the
# default scheduler and under llm_sched, for the scheduler's overhead.
# The pool and the hugetlbfs mount are set up by hand for all three, so
# only the scheduler differs. Lines "bench: ..." carry the results.
# tcg: multi
# memory: 2048
# timeout: 3000

R=${BENCH_REPEATS:-3} DUR=${BENCH_DURATION:-8} MB=${BENCH_WEIGHTS_MB:-32}
N=$(nproc) H=$(( $(nproc) / 2 ))  # one job thread per vCPU; half forward, half backward
MODES=${BENCH_MEMORY:-"4k thp hugetlbfs"}
echo $((MB / 2 + 16)) >/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p /dev/hugepages-bench && mount -t hugetlbfs -o pagesize=2M none /dev/hugepages-bench
echo madvise >/sys/kernel/mm/transparent_hugepage/enabled
note "$N vCPUs; pool $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages) x 2M; $R repeats of ${DUR}s; weights ${MB} MiB"
cat >/tmp/policy.json <<J
{ "scheduler": { "starvation_ms": 200 },
  "classes": [
    { "name": "train", "match": [ { "comm_prefix": "llm-bench" } ], "priority": 90, "order": "fifo",
      "slice": { "mode": "history", "min_us": 500, "max_us": 20000 },
      "phases": { "forward": "0-$((H - 1))", "backward": "$H-$((N - 1))" } },
    { "name": "background", "match": [ { "default": true } ], "priority": 10, "order": "fair" } ] }
J

noise_start() {
    touch /tmp/noise.on
    stress-ng --cpu "$N" --vm 1 --vm-bytes 64M --timeout $((DUR + 30))s --metrics-brief >/tmp/noise.out 2>&1 &
    NOISE=$!
    ( n=0; while [ -e /tmp/noise.on ]; do hackbench -g 1 -l 20 >/dev/null 2>&1 && n=$((n + 1)); done
      echo $n >/tmp/hb.count ) &
    HB=$!
    sleep 1
}
noise_stop() {  # sets BG: "cpu_ops=N hackbench=M" (work done while the job ran)
    rm -f /tmp/noise.on
    kill -INT $NOISE 2>/dev/null; wait $NOISE 2>/dev/null; wait $HB 2>/dev/null
    BG="cpu_ops=$(awk '$4 == "cpu" { print $5 }' /tmp/noise.out) hackbench=$(cat /tmp/hb.count 2>/dev/null)"
}
run() {  # run SCHED NOISE MEM MODE
    local cmd="llm-bench --mode $4 --threads $N --weights-mb $MB --duration $DUR --memory $3 --hugetlbfs /dev/hugepages-bench --json /tmp/r.json"
    [ "$1" = b ] && cmd="nice -n -20 taskset -c 0-$((N - 1)) $cmd"  # busybox nice, then util-linux taskset
    [ "$1" = f ] && cmd="chrt -f 50 $cmd"  # SCHED_FIFO on the default scheduler: the emulator's floor
    BG="cpu_ops= hackbench="
    [ "$2" = 1 ] && noise_start
    rm -f /tmp/r.json
    $cmd >/dev/null 2>/tmp/err || note "llm-bench failed: $(cat /tmp/err)"
    [ "$2" = 1 ] && noise_stop
    echo "bench: sched=$1 noise=$2 mem=$3 mode=$4 $BG $(cat /tmp/r.json 2>/dev/null)"
}

for r in $(seq "$R"); do
    for s in a b c; do
        if [ $s = c ]; then start_daemon /tmp/policy.json || return; fi
        for noise in 0 1; do
            for m in $MODES; do run $s $noise $m train; done
            run $s $noise thp infer
            [ $s = a ] && run f $noise thp infer
        done
        [ $s = c ] && stop_daemon
    done
done
# Scheduler overhead: hackbench alone, default then llm_sched then default.
hb() { echo "bench: overhead $1 $(hackbench -g 4 -l 100 2>/dev/null | sed -n 's/^Time: *//p')"; }
for i in 1 2 3; do hb default; done
start_daemon /tmp/policy.json || return
for i in 1 2 3 4 5 6; do hb llm_sched; done
stop_daemon
for i in 1 2 3; do hb default; done
pass "benchmark finished"
