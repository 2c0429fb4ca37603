# SPDX-License-Identifier: GPL-2.0-only
# Guest side of bench/llama-compare.sh: llama-bench token generation, and
# streamed completions from llama-server timed per token (tools/tokenlat.c),
# quiet and beside 2x CPU oversubscription, under the default scheduler,
# nice -20 and llm-schedd (configs/examples/inference.json), interleaved by
# repeat in one boot. One "bench:" line per run: every sample's tokens/s
# (llama-bench) or every token's latency and each request's time to first
# token (llama-server).
# llama: yes
# timeout: 2400

harness_rt
repeats="${BENCH_REPEATS:-3}"
tokens="${BENCH_TOKENS:-16}"
model=/models/llama-256x4.gguf
threads=$(nproc)
runs=0 empty=0
run() {  # run CASE PREFIX...
    local c="$1" s; shift
    "$@" llama-bench -m $model -p 0 -n "$tokens" -t "$threads" -r 5 -o json >/tmp/tg.json 2>/dev/null
    s=$(jq -r '[.[0].samples_ts[]] | map(tostring) | join(",")' /tmp/tg.json 2>/dev/null)
    echo "bench: case=$c samples=$s"
    runs=$((runs + 1)); [ -n "$s" ] || empty=$((empty + 1))
    serve "$c" "$@"
}
serve() {  # serve CASE PREFIX...: BENCH_REQUESTS completions of 32 tokens
    local c="$1" line=; shift
    if llama_server_on "$@"; then
        line=$(tokenlat --requests "${BENCH_REQUESTS:-2}" --tokens 32 --samples)
        llama_server_off
    fi
    echo "bench: case=$c itl=$(kv "$line" samples) ttft=$(kv "$line" ttft)"
    runs=$((runs + 1)); [ -n "$line" ] || empty=$((empty + 1))
}
cp configs/examples/inference.json /tmp/policy.json
for r in $(seq "$repeats"); do
    run default_quiet $NORMAL
    noise_on $(( 2 * threads ))
    run default_noisy $NORMAL
    run nice_noisy chrt -o 0 nice -n -20
    start_daemon /tmp/policy.json || break
    run llm_noisy $NORMAL
    noise_off
    run llm_quiet $NORMAL
    stop_daemon
done
check "every run gave samples ($runs runs, $empty empty)" test "$runs" -eq $(( 10 * repeats )) -a "$empty" -eq 0
