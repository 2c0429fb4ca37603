#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# llm-schedctl's command line: wrong arguments are one line that says what
# is wrong, exit 2, and nothing is sent anywhere; each command has --help;
# an unreachable daemon is exit 1 with the socket named.
set -uo pipefail
ctl="$1"
fails=0
expect() {  # expect RC "TEXT" ARGS...: exit status RC, stderr or stdout holding TEXT
    local rc="$1" text="$2"; shift 2
    local out got
    out=$(LLM_SCHEDD_SOCKET=/nonexistent/control.sock "$ctl" "$@" 2>&1); got=$?
    if [[ $got -eq $rc ]] && grep -qF -- "$text" <<<"$out"; then echo "ok   llm-schedctl $* -> $rc"
    else echo "FAIL llm-schedctl $*: exit $got (want $rc), output: $out"; fails=$((fails + 1)); fi
}
expect 2 "A subcommand is required"
expect 2 "unknown command 'frobnicate' (status, stats" frobnicate
expect 2 "unknown command 'frobnicate'" --socket /tmp/x.sock frobnicate --json
expect 2 "ids are positive numbers, not 'abc'" task abc
expect 2 "TID is required" task
expect 2 "sideways not in {forward,backward,none}" phase sideways
expect 2 "--tid excludes --pid" phase forward --tid 1 --pid 2
expect 2 "-- needs a command to run" phase none --
expect 2 "only phase takes -- COMMAND" status -- true
expect 2 "--watch: Value 0.01 not in range" stats --watch 0.01
expect 2 "--json excludes --prometheus" stats --json --prometheus
expect 2 "not expected: --bogus" status --bogus
expect 2 "FILE: File does not exist: /nonexistent/model.gguf" stage /nonexistent/model.gguf --to /tmp
expect 2 "FILE is required" stage
expect 1 "/tmp is not a hugetlbfs mount (nothing was left there)" stage "$0" --to /tmp
LLM_SCHEDD_HUGETLBFS=/tmp expect 1 "schedctl_usage.sh onto /tmp: /tmp is not" stage "$0"
expect 1 "cannot ask the daemon for its hugetlbfs mount" stage "$0"
for c in status stats reload verify task phase stage; do expect 0 "Usage: llm-schedctl $c" "$c" --help; done
expect 0 "verify" --help
expect 1 "cannot reach llm-schedd at /nonexistent/control.sock" status
expect 1 "cannot reach llm-schedd at /tmp/llm-schedctl-none.sock" --socket /tmp/llm-schedctl-none.sock verify
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
