# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/torch-compare.sh: the PyTorch pipeline
# (bench/llm/pipeline_train.py, two 1F1B stages, auto_phases) quiet and
# beside 2x CPU oversubscription, under the default scheduler,
# `nice -n -20` with `taskset` on the training CPUs, and llm-schedd with
# the shipped configs/examples/training.json (its pool dropped), in one
# boot, interleaved by repeat. One "bench:" line per run with every step
# time in ms (the first step, which builds the pools, left out).
# Two vCPUs, one host thread each (multi-threaded TCG; the host has two
# cores): with more vCPUs than host cores, or all of them on one host
# thread, a noise vCPU slows the job's vCPUs whatever the guest scheduler
# does, and the noisy runs took minutes per step. On two CPUs the example's
# relative sets would overlap, so the policy here gives the class both CPUs
# and its phases one each (forward CPU 0, backward CPU 1), and nice -20's
# taskset is both CPUs too.
# vcpus: 2
# tcg: multi
# torch: yes
# memory: 3072
# timeout: 3000

harness_rt
ip link set lo up
repeats="${BENCH_REPEATS:-2}"
steps="${BENCH_STEPS:-30}"
cg=/sys/fs/cgroup/llm.slice/train
runs=0 empty=0
run() {  # run CASE PREFIX...: the job in train's cgroup when llm-schedd runs
    local c="$1" s; shift
    # shellcheck disable=SC2016 # $$ is the inner shell's
    OMP_WAIT_POLICY=passive "$@" sh -c '[ -d '$cg' ] && echo $$ >'$cg'/cgroup.procs; exec "$@"' sh \
        python3 /opt/llm/pipeline_train.py --steps "$steps" --dim 32 --seq 16 --batch 2 --threads 2 \
        --json /tmp/run.json >/tmp/run.out 2>&1
    s=$(jq -r '.step_ms[1:] | map(. * 10 | round / 10 | tostring) | join(",")' /tmp/run.json 2>/dev/null)
    echo "bench: case=$c steps=$s"
    runs=$((runs + 1)); [ -n "$s" ] || { empty=$((empty + 1)); tail -3 /tmp/run.out; }
    rm -f /tmp/run.json
}
jq 'del(.memory.hugetlb, .memory.hugetlbfs) | .classes[0].cpus = "0-1" | .classes[0].cpus_exclusive = false
    | .classes[0].phases.forward = "0" | .classes[0].phases.backward = "1" | .classes[1].cpus = "0-1"' \
    configs/examples/training.json >/tmp/policy.json
for r in $(seq "$repeats"); do
    run default_quiet $NORMAL
    noise_on 4
    run default_noisy $NORMAL
    run nice_taskset_noisy chrt -o 0 nice -n -20 taskset -c 0-1
    start_daemon /tmp/policy.json || break
    run llm_noisy $NORMAL
    noise_off
    run llm_quiet $NORMAL
    stop_daemon
done
check "every run gave step times ($runs runs, $empty empty)" test "$runs" -eq $(( 5 * repeats )) -a "$empty" -eq 0
