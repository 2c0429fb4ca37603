#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The man pages say what the code does: every key of the policy schema is
# in llm-schedd.policy(5), every option of `llm-schedd --help` in
# llm-schedd(8), every command of `llm-schedctl --help` and every option
# of each `llm-schedctl COMMAND --help` in llm-schedctl(8). They are built from docs/ by pandoc (the `man` target).
set -uo pipefail
build="$1" src="$2" daemon="$3" ctl="$4"
man="$build/man"
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
# roff to text: escapes and fonts out, so "\-\-check" reads "--check".
text() { sed -e 's/\\-/-/g' -e 's/\\f\[[A-Z]*\]//g' -e 's/\\f[BIRP]//g' -e 's/\\(aq/'"'"'/g' -e 's/\\\[[a-z]*\]//g' -e 's/\\&//g' "$1"; }
for p in llm-schedd.8 llm-schedctl.8 llm-schedd.policy.5; do
    [[ -s "$man/$p" ]] || { fail "$man/$p missing: build the 'man' target (needs pandoc: scripts/setup.sh)"; }
done
[[ $fails -eq 0 ]] || exit "$fails"

policy=$(text "$man/llm-schedd.policy.5")
mapfile -t keys < <(/usr/bin/python3 - "$src/configs/llm-schedd.schema.json" <<'PY'
import json, sys
keys = set()
def walk(n):
    if isinstance(n, dict):
        for k, v in (n.get("properties") or {}).items():
            keys.add(k); walk(v)
        for k, v in n.items():
            if k != "properties": walk(v)
    elif isinstance(n, list):
        for x in n: walk(x)
walk(json.load(open(sys.argv[1])))
print("\n".join(sorted(keys)))
PY
)
[[ ${#keys[@]} -gt 50 ]] || fail "only ${#keys[@]} keys read from the schema"
missing=()
for k in "${keys[@]}"; do
    grep -qF -- "$k" <<<"$policy" || missing+=("$k")
done
if [[ ${#missing[@]} -eq 0 ]]; then echo "ok   all ${#keys[@]} schema keys are in llm-schedd.policy(5)"
else fail "schema keys not in llm-schedd.policy(5): ${missing[*]}"; fi

page=$(text "$man/llm-schedd.8")
opts=$("$daemon" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u)
missing=()
for o in $opts; do grep -qF -- "$o" <<<"$page" || missing+=("$o"); done
if [[ ${#missing[@]} -eq 0 ]]; then echo "ok   every option of llm-schedd --help is in llm-schedd(8) ($(echo $opts | wc -w))"
else fail "options of llm-schedd --help not in llm-schedd(8): ${missing[*]}"; fi

page=$(text "$man/llm-schedctl.8")
# The commands from --help's "Subcommands:" list, the options from each
# command's own --help.
cmds=$("$ctl" --help 2>&1 | sed -n '/^Subcommands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[[ $(echo $cmds | wc -w) -ge 6 ]] || fail "llm-schedctl --help lists only: $cmds"
words="$cmds $("$ctl" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+')"
for c in $cmds; do words="$words $("$ctl" "$c" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+')"; done
words=$(echo $words | tr ' ' '\n' | sort -u)
missing=()
for w in $words; do grep -qE -- "(^|[^a-z-])$w([^a-z-]|$)" <<<"$page" || missing+=("$w"); done
if [[ ${#missing[@]} -eq 0 ]]; then echo "ok   every command and option of llm-schedctl (and of each COMMAND --help) is in llm-schedctl(8) ($(echo $words | wc -w))"
else fail "llm-schedctl --help words not in llm-schedctl(8): ${missing[*]}"; fi
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
