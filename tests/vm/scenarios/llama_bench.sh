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
# and prints every rate as a metric for docs/benchmarks.md.
# vcpus: 2
# llama: yes
# timeout: 420

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

tg default_quiet $NORMAL
check "llama-bench runs in the guest ($tg_default_quiet tokens/s quiet)" ge "$tg_default_quiet" 1
noise=
for i in 1 2 3 4; do $NORMAL schedprobe spin --comm noise --seconds 400 >/dev/null & noise="$noise $!"; done
sleep 1
tg default_noisy $NORMAL
tg nice_noisy chrt -o 0 nice -n -20

cp configs/examples/inference.json /tmp/policy.json
start_daemon /tmp/policy.json || return
tg llm_noisy $NORMAL
kill $noise 2>/dev/null; wait $noise 2>/dev/null
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
