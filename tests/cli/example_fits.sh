#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The first commands a new user runs work on this host, whatever its size:
# `llm-schedd --example` prints a policy that the schema accepts and that
# `--check` passes here, and so does the shipped configs/default.json.
# usage: example_fits.sh LLM_SCHEDD SOURCE_DIR
set -u
bin="$1" src="$2"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { what="$1"; shift; if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; fails=$((fails + 1)); fi; }

"$bin" --example >"$tmp/example.json"
check "--example prints a policy (rc $?)" test -s "$tmp/example.json"
"$bin" --check --config "$tmp/example.json" >"$tmp/check.txt" 2>&1
rc=$?
check "--check passes on the example here ($(nproc) CPUs, rc $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$tmp/check.txt"
check "the example names this machine's CPUs" grep -q "$(nproc) online CPUs" "$tmp/example.json"
/usr/bin/python3 - "$src/configs/llm-schedd.schema.json" "$tmp/example.json" <<'PY'
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft202012Validator(schema).validate(doc)
PY
check "the schema accepts the example (rc $?)" test $? -eq 0
"$bin" --check --config "$src/configs/default.json" >"$tmp/default.txt" 2>&1
rc=$?
check "--check passes on configs/default.json here (rc $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || cat "$tmp/default.txt"
check "--check shows what the relative sets became" grep -q '"first half" is CPUs' "$tmp/default.txt"
exit "$fails"
