# SPDX-License-Identifier: GPL-2.0-only
# Real inference: Debian sid's llama.cpp (llama-bench, 2 ggml threads) on a
# generated llama-architecture model (dim 256, 4 layers, f32; see
# mkllama-cpio.sh), token generation measured in one boot: quiet and beside
# 2x CPU oversubscription (four CPU-bound threads on 2 vCPUs) under the
# default scheduler, under `nice -n -20`, and under llm-schedd with the
# shipped configs/examples/inference.json (its serve class takes every
# process led by llama-*). Checks that the example's rule really catches the
# engine's threads (runtime counted in serve, not in background), that it keeps more
# of its quiet rate beside the noise than the default scheduler gives it,
# and prints every rate as a metric for docs/benchmarks.md. llama-server,
# as an inference host runs it, beside the same noise: per-token latency
# of streamed completions (tools/tokenlat.c) under the default scheduler
# and under the example, whose rule must hold every server thread (HTTP
# workers included) in serve. Then model
# weights on huge pages: `llm-schedctl stage` copies the model onto the
# daemon's hugetlbfs mount (the policy gains a pool and a mount for this),
# llama-bench runs from the copy, and its mapping of it is checked to be
# 2 MiB pages; mapping costs from tmpfs and from hugetlbfs as metrics.
# vcpus: 2
# llama: yes
# timeout: 540

harness_rt
model=/models/llama-256x4.gguf
# tg LABEL [PREFIX...]: median tokens/s of five 16-token generations.
tg() {
    local label="$1"; shift
    "$@" llama-bench -m $model -p 0 -n 16 -t 2 -r 5 -o json >/tmp/tg.json 2>/tmp/tg.err
    local rate
    rate=$(jq -r '.[0].samples_ts | sort | .[length / 2 | floor]' /tmp/tg.json 2>/dev/null)
    metric "llama_tg_$label" "${rate:-0}"
    note "$label: $(jq -c '[.[0].samples_ts[] | . * 10 | round / 10]' /tmp/tg.json 2>/dev/null) tokens/s"
    eval "tg_$label=\${rate:-0}"
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
# serve LABEL PREFIX...: llama-server through PREFIX, two streamed
# completions of 32 tokens; per-token latency as metrics, p99 in itl_LABEL.
serve() {
    local label="$1" line k classes p99; shift
    llama_server_on "$@" || { fail "llama-server answers on 127.0.0.1:8080 ($label)"; eval "itl_$label=0"; return; }
    if [ -n "$DAEMON_PID" ]; then
        classes=$(for t in /proc/$server/task/*; do task_field "${t##*/}" class; done | sort | uniq -c |
            awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
        check "every llama-server thread is in the example's serve class ($classes)" \
            sh -c 'echo "$1" | grep -qx "[0-9]* serve"' _ "$classes"
    fi
    line=$(tokenlat --requests 2 --tokens 32)
    llama_server_off
    note "llama-server, $label: ${line:-no answer}"
    for k in tok_s ttft_p50_ms p50_ms p99_ms; do metric "llama_server_${label}_$k" "$(kv "$line" $k)"; done
    p99=$(kv "$line" p99_ms)
    eval "itl_$label=${p99:-0}"
}

tg default_quiet $NORMAL
check "llama-bench runs in the guest ($tg_default_quiet tokens/s quiet)" ge "$tg_default_quiet" 1
noise_on 4
tg default_noisy $NORMAL
serve default_noisy $NORMAL
tg nice_noisy chrt -o 0 nice -n -20

# The shipped example, plus a pool and a mount to stage the model onto.
jq '.memory = {"hugetlb": [{"page_size": "2M", "pages": 24}],
               "hugetlbfs": [{"path": "/dev/hugepages-llm", "page_size": "2M", "mode": "0755"}]}' \
    configs/examples/inference.json >/tmp/policy.json
start_daemon /tmp/policy.json || return
tg llm_noisy $NORMAL
serve llm_noisy $NORMAL
check "llama-server streams every token beside the noise under llm-schedd (per-token p99 $itl_llm_noisy ms)" \
    awk -v a="$itl_llm_noisy" 'BEGIN { exit !(a > 0) }'
check "  with a lower per-token p99 than under the default scheduler ($itl_default_noisy ms)" \
    awk -v a="$itl_llm_noisy" -v b="$itl_default_noisy" 'BEGIN { exit !(a > 0 && a < b) }'
noise_off
tg llm_quiet $NORMAL
rt() { class_stat "$1" runtime_ns; }
check "llama-bench ran in the example's serve class ($(( $(rt serve) / 1000000 )) ms of runtime)" \
    test "$(rt serve)" -gt 1000000000
check "the noise ran in background ($(( $(rt background) / 1000000 )) ms)" test "$(rt background)" -gt 0

share() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
note "beside the noise, of each one's quiet rate: default $(share $tg_default_noisy $tg_default_quiet)," \
     "nice -20 $(share $tg_nice_noisy $tg_default_quiet), llm-schedd $(share $tg_llm_noisy $tg_llm_quiet)"
metric llama_share_default "$(share $tg_default_noisy $tg_default_quiet)"
metric llama_share_nice "$(share $tg_nice_noisy $tg_default_quiet)"
metric llama_share_llm "$(share $tg_llm_noisy $tg_llm_quiet)"
check "under llm-schedd it keeps more of its quiet rate beside the noise than under the default scheduler" \
    ge "$(share $tg_llm_noisy $tg_llm_quiet)" "$(share $tg_default_noisy $tg_default_quiet)"
# A floor, not the target (>= 0.9, in docs/benchmarks.md): the emulator's
# rates swing by a third from run to run on a busy host.
check "  and at least half of it ($(share $tg_llm_noisy $tg_llm_quiet))" ge "$(share $tg_llm_noisy $tg_llm_quiet)" 0.5

# Model weights on huge pages.
free_pages() { awk '/^HugePages_Free/ { print $2 }' /proc/meminfo; }
need=$(( ($(stat -c %s $model) + 2097151) / 2097152 ))
before=$(free_pages)
staged=$(llm-schedctl stage $model)
check "llm-schedctl stage copies the model onto the daemon's mount ($staged)" \
    test "$staged" = /dev/hugepages-llm/llama-256x4.gguf
check "  in $need pages of the pool (free $before -> $(free_pages))" test $(( before - $(free_pages) )) -eq "$need"
check "  and a second stage keeps that copy" sh -c "llm-schedctl stage $model | grep -q 'already staged'"
check "  equal to the model up to its length" sh -c "cmp -n $(stat -c %s $model) $model $staged"
for side in tmpfs hugetlbfs; do
    f=$model; [ $side = hugetlbfs ] && f=$staged
    line=$(mapload "$f")
    note "mapping the model from $side: $line"
    for k in ms minflt page_kb; do metric "model_map_${side}_$k" "$(kv "$line" $k)"; done
done
check "mapping the staged model gives 2 MiB pages" sh -c "mapload $staged | grep -q ' page_kb=2048 '"
# llama-bench's own mapping of the staged copy, looked at while it runs.
$NORMAL llama-bench -m "$staged" -p 0 -n 16 -t 2 -r 3 -o json >/tmp/staged.json 2>/tmp/staged.err &
bench=$!
kb=
for _ in $(seq 100); do
    kb=$(awk -v f="$staged" '$6 == f { on = 1; next } /^[0-9a-f]+-/ { on = 0 } on && /^KernelPageSize/ { print $2; exit }' \
        /proc/$bench/smaps 2>/dev/null)
    [ -n "$kb" ] && break
    sleep 0.2
done
wait $bench
rate=$(jq -r '.[0].samples_ts | sort | .[length / 2 | floor]' /tmp/staged.json 2>/dev/null)
metric llama_tg_llm_staged "${rate:-0}"
check "llama-bench maps the staged model with 2 MiB pages (KernelPageSize ${kb:-none} kB)" test "$kb" = 2048
check "  and generates from it (${rate:-0} tokens/s)" ge "${rate:-0}" 1
