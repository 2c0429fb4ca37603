#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Builds the libFuzzer targets in fuzz/ with clang-19 (ASan+UBSan) and runs
# each for a fixed time. Exits non-zero, with the input that did it, on any
# crash, sanitizer report or broken invariant.
#
#   scripts/fuzz.sh            60 s per target (CI runs 45)
#   scripts/fuzz.sh 3600       a long run; the corpora under build-fuzz/corpus
#                              are kept, so each run starts where the last ended
#
# Seeds: the shipped policies and every policy the tests use, fuzz/seeds/,
# and a dictionary of the schema's key names.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
secs="${1:-60}"
out="$root/build-fuzz"
jobs="$(nproc)"

CC=clang-19 CXX=clang++-19 cmake -S "$root" -B "$out" -DLLM_FUZZ=ON -DLLM_VM_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" -j"$jobs" --target fuzz_policy fuzz_control fuzz_mountinfo >/dev/null

corpus="$out/corpus" crashes="$out/crashes"
mkdir -p "$corpus"/{policy,control,mountinfo} "$crashes"
cp "$root"/configs/examples/*.json "$root"/tests/vm/scenarios/data/*.json "$corpus/policy/"
find "$root/tests/cli" "$root/tests/unit" -name '*.json' -exec cp {} "$corpus/policy/" \;
cp "$root"/fuzz/seeds/policy/* "$corpus/policy/"   # inputs that once crashed
cp "$root"/fuzz/seeds/control/* "$corpus/control/"
cp "$root"/fuzz/seeds/mountinfo/* "$corpus/mountinfo/"
# Every key the schema knows, quoted, so the fuzzer reaches past "unknown key".
python3 - "$root/configs/llm-schedd.schema.json" >"$out/policy.dict" <<'PY'
import json, sys
keys = set()
def walk(node):
    if isinstance(node, dict):
        keys.update(node.get("properties", {}).keys())
        for e in node.get("enum", []):
            if isinstance(e, str):
                keys.add(e)
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(json.load(open(sys.argv[1])))
for k in sorted(keys):
    print('"\\"%s\\""' % k.replace('"', '\\"'))
PY

status=0
run() {  # run TARGET CORPUS [extra libFuzzer flags]
    local t="$1" c="$2"; shift 2
    printf 'fuzz: %s for %ss\n' "$t" "$secs"
    if ! "$out/fuzz/$t" "$corpus/$c" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$crashes/$t-" -print_final_stats=1 "$@" >"$out/$t.log" 2>&1; then
        status=1
        grep -E 'ERROR|SUMMARY|invariant|runtime error' "$out/$t.log" | head -5
        printf 'fuzz: %s FAILED; log %s; reproduce with: %s %s\n' "$t" "$out/$t.log" \
            "$out/fuzz/$t" "$(ls -t "$crashes/$t-"* 2>/dev/null | head -1)"
    else
        grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' "$out/$t.log" | tail -1
    fi
}
run fuzz_policy policy -dict="$out/policy.dict" -max_len=16384
run fuzz_control control -max_len=8192
run fuzz_mountinfo mountinfo -max_len=8192
exit "$status"
