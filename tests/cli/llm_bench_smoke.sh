#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# llm-bench and the huge-page C API on the host: both modes run and report
# every field; 4 KiB weights take one fault per page, THP weights (where the
# host allows THP) take at least 100x fewer. Keeps the benchmark from
# rotting between benchmark runs.
set -uo pipefail
bin="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fails=0
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
check() { local what="$1"; shift; if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi; }

"$bin" --mode train --threads 2 --weights-mb 8 --steps 5 --memory 4k --json "$tmp/4k.json" >"$tmp/out" || fails=$((fails + 1))
cat "$tmp/out"
check "train: 5 steps on 4k pages" test "$(field "$tmp/4k.json" iterations) $(field "$tmp/4k.json" memory)" = "5 4k"
for k in p50_ms p99_ms max_ms per_s minflt majflt vcsw ivcsw migrations; do
    field "$tmp/4k.json" "$k" >/dev/null || { echo "FAIL missing $k"; fails=$((fails + 1)); }
done
check "4 KiB weights: at least one fault per page ($(field "$tmp/4k.json" minflt) for 2048 pages)" \
    test "$(field "$tmp/4k.json" minflt)" -ge 2048
"$bin" --mode infer --threads 2 --weights-mb 8 --tokens 10 --memory thp --json "$tmp/thp.json" >"$tmp/out" || fails=$((fails + 1))
cat "$tmp/out"
check "infer: 10 tokens" test "$(field "$tmp/thp.json" iterations)" = 10
if grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null; then
    check "THP off on this host: the API falls back to 4k" test "$(field "$tmp/thp.json" memory)" = 4k
else
    check "THP weights: 100x fewer faults than 4k ($(field "$tmp/thp.json" minflt))" \
        test "$(field "$tmp/thp.json" memory)" = thp -a "$(field "$tmp/thp.json" minflt)" -lt 1024
fi
"$bin" --mode sideways >/dev/null 2>&1; rc=$?
check "a bad option is refused with usage (rc $rc)" test $rc -eq 2
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
