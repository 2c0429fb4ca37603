# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/sched-overhead.sh: hackbench under the kernel's
# default scheduler and under llm_sched, in one boot, sandwiched
# (default, llm_sched, default) so drift inside the run shows.
# tcg: multi
# timeout: 900

rounds="${BENCH_ROUNDS:-5}"
run() {  # run LABEL: one hackbench, prints "bench: LABEL seconds"
    t=$(hackbench -g 4 -l 200 2>/dev/null | sed -n 's/^Time: *//p')
    echo "bench: $1 ${t:-nan}"
}
for i in $(seq "$rounds"); do run default; done
start_daemon configs/default.json || return
for i in $(seq $((rounds * 2))); do run llm_sched; done
stop_daemon
for i in $(seq "$rounds"); do run default; done
pass "benchmark finished"
