# SPDX-License-Identifier: GPL-2.0-only
# A barrier-synchronised pool in the top class beside 2x CPU
# oversubscription: two threads that spin 2 ms of work per step and then
# spin at a barrier (as OpenMP and ggml pools do), and four background CPU
# hogs, on 2 vCPUs. One CPU taken from the pool stalls both threads, so
# guard runs that land on one CPU at a time cost the pool once per CPU;
# llm_sched's windows are aligned across CPUs. Side by side in one boot:
# the default scheduler quiet and noisy, nice -n -20 noisy, llm-schedd
# quiet and noisy. Multi-threaded TCG, so each vCPU has a host core.
#
# Asserted (the figures themselves are the benchmark's, bench/gang-pool.sh):
# the pool keeps >= 93% of its quiet steps/s beside the hogs (it kept 86-87%
# with one rescue per CPU at a time); the background keeps a share: its
# hogs ran, and the guard gave them share runs.
# vcpus: 2
# tcg: multi
# timeout: 300

SECS=${POOL_SECONDS:-10}
pool() { $NORMAL schedprobe pool --comm pool --threads 2 --seconds "$SECS" --step-us 2000; }
hogs() { H=; for i in 1 2 3 4; do $NORMAL schedprobe spin --seconds "$1" >/tmp/hog.$i & H="$H $!"; done; }
rate() { echo "$1" | sed -n 's/.*steps_per_s=\([0-9.]*\).*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
dq=$(pool); note "default quiet: $dq"
hogs $((SECS + 1)); sleep 0.5; dn=$(pool); wait $H; note "default noisy: $dn"
hogs $((SECS + 1)); sleep 0.5; nn=$(nice -n -20 schedprobe pool --comm pool --threads 2 --seconds "$SECS" --step-us 2000); wait $H
note "nice -20 noisy: $nn"
start_daemon data/gang_pool.json || return
harness_rt
lq=$(pool); note "llm-schedd quiet: $lq"
hogs $((SECS + 1)); sleep 0.5
rt0=$(class_stat background runtime_ns)
ln=$(pool)
rt1=$(class_stat background runtime_ns)
wait $H
note "llm-schedd noisy: $ln"
share=$(awk -v a="$rt0" -v b="$rt1" -v s="$SECS" 'BEGIN { printf "%.2f", (b - a) / (s * 2e9) * 100 }')
for v in dq dn nn lq ln; do eval "metric ${v}_steps_per_s \$(rate \"\$$v\")"; done
metric default_noisy_over_quiet "$(ratio "$(rate "$dn")" "$(rate "$dq")")"
metric nice_noisy_over_quiet "$(ratio "$(rate "$nn")" "$(rate "$dq")")"
metric llm_noisy_over_quiet "$(ratio "$(rate "$ln")" "$(rate "$lq")")"
metric background_cpu_pct_while_pool "$share"
llm-schedctl stats | sed 's/^/note: /'
keep=$(ratio "$(rate "$ln")" "$(rate "$lq")")
check "the pool keeps >= 93% of its quiet rate beside the hogs ($keep)" awk -v k="$keep" 'BEGIN { exit !(k >= 0.93) }'
check "the background kept a share of the CPUs while the pool ran (${share}%)" awk -v s="$share" 'BEGIN { exit !(s >= 1) }'
check "from the guard's share ($(class_stat background guard_share_runs) share runs)" \
    test "$(class_stat background guard_share_runs)" -gt 0
