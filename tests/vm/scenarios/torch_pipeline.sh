# SPDX-License-Identifier: GPL-2.0-only
# Real PyTorch training under llm-schedd: Debian's python3-torch 1.13
# trains a small GPT-style model (bench/llm/pipeline_train.py: 2 blocks,
# dim 32) for 200 steps on generated data, as a two-stage pipeline (two
# processes, gloo send/recv on loopback, 1F1B), so one stage runs forward
# while the other runs backward. Phases are marked only by
# llm_schedd.torch.auto_phases, process-wide. The policy is the shipped
# configs/examples/training.json: its train class takes the job by its
# cgroup (torch 1.13 names no thread pt_main_thread), its CPU sets are
# relative (on 4 vCPUs: class 0-2, forward 0, backward 1-2); the scenario
# only drops its 8 GiB pool and makes the phase sets strict, so that a
# sample off its phase's set is a fault, not a loan. Checks: the job
# trains (loss falls), every thread of both stages is in train, both stages
# run both phases, and phasewatch (tools/) finds the threads of each stage,
# intra-op pool and gloo threads included, on their phase's CPUs in >= 99%
# of the samples taken 25 ms or more after a phase change.
# vcpus: 4
# torch: yes
# memory: 3072
# timeout: 600

harness_rt
ip link set lo up  # gloo and its rendezvous run on loopback
jq 'del(.memory.hugetlb, .memory.hugetlbfs) | .classes[0].phases.strict = true' \
    configs/examples/training.json >/tmp/policy.json
start_daemon /tmp/policy.json || return
set_of() {  # set_of KEY: the CPUs the train class's KEY resolved to
    llm-schedctl status --json | jq -r --arg k "$1" \
        '.cpu_sets[] | select(startswith("class train " + $k + " ")) | capture("is CPUs (?<c>[0-9,-]+)").c'
}
fwd=$(set_of forward) bwd=$(set_of backward)
note "train: forward CPUs $fwd, backward CPUs $bwd"
cg=/sys/fs/cgroup/llm.slice/train
check "the example's train cgroup exists" test -d $cg

# OpenMP's idle threads sleep instead of spinning: with spinning, one
# emulated host thread runs four vCPUs' spin loops.
OMP_WAIT_POLICY=passive $NORMAL sh -c 'echo $$ >'$cg'/cgroup.procs && exec "$@"' sh \
    python3 /opt/llm/pipeline_train.py --steps 200 --dim 32 --seq 16 --batch 2 --threads 2 \
    --json /tmp/train.json >/tmp/train.out 2>&1 &
job=$!
pids=
for _ in $(seq 600); do
    pids=$(sed -n 's/^stages pid0=\([0-9]*\) pid1=\([0-9]*\)$/\1 \2/p' /tmp/train.out)
    [ -n "$pids" ] && break
    sleep 0.1
done
check "the pipeline started two stages ($pids)" test -n "$pids"
# shellcheck disable=SC2086 # two pids
phasewatch --fwd "$fwd" --bwd "$bwd" --seconds 500 $pids >/tmp/watch.txt &
watch=$!
# Once the first steps ran, every thread (pools exist by then) is train's.
for _ in $(seq 300); do grep -q '^step 0 ' /tmp/train.out && break; sleep 0.1; done
sleep 2
classes=$(for p in $pids; do for t in $(ls /proc/$p/task); do llm-schedctl task "$t" --json | jq -r .class; done; done | sort | uniq -c | tr -s ' \n' ' ')
threads=$(for p in $pids; do ls /proc/$p/task; done | wc -l)
check "all $threads threads of both stages are in train ($classes)" test "$classes" = " $threads train "
wait $job
rc=$?
wait $watch
sed 's/^/note: /' /tmp/train.out | grep -v '^note: step [1-9]'
check "the training job finished (rc $rc)" test "$rc" -eq 0
result=$(tail -1 /tmp/train.out)
val() { echo "$result" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
check "the loss falls ($(val first_loss) -> $(val last_loss))" \
    awk -v a="$(val first_loss)" -v b="$(val last_loss)" 'BEGIN { exit !(b > 0 && b < a / 2) }'
metric torch_step_p50_ms "$(val p50_ms)"
metric torch_step_p99_ms "$(val p99_ms)"

sed 's/^/note: /' /tmp/watch.txt
for p in $pids; do
    for ph in forward backward; do
        n=$(awk -v p="pid=$p" -v ph="phase=$ph" '$2 == p && $3 == ph { split($4, kv, "="); print kv[2] }' /tmp/watch.txt)
        check "stage $p was sampled in $ph (${n:-0} samples)" test "${n:-0}" -gt 20
    done
done
total=$(awk '$1 == "phasewatch" { split($2, a, "="); split($3, b, "="); print a[2], b[2] }' /tmp/watch.txt)
pm=$(echo "$total" | awk '{ print $1 ? int(1000 * $2 / $1) : -1 }')
metric torch_on_phase_set_per_mille "$pm"
check "the threads ran on their phase's CPUs in $pm per mille of $(echo "$total" | cut -d' ' -f1) samples" \
    test "$pm" -ge 990
mig=$(class_stat train phase_migrations)
check "the scheduler moved them between the sets ($mig phase migrations)" test "${mig:-0}" -gt 0
