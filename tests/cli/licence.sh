#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Every source file names its licence in its first three lines, and the
# licence is the one LICENSE gives its folder: the workload API (include/,
# lib/, python/) BSD-3-Clause, intf.h dual, everything else GPL-2.0-only.
# The texts it names are in LICENSES/, and the BPF object's licence section
# is GPL (the kernel refuses GPL-only kfuncs otherwise).
set -uo pipefail
src="$1"
cd "$src" || exit 2
fails=0 checked=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

want_for() {
    case "$1" in
        include/llm_schedd/intf.h) echo "GPL-2.0-only OR BSD-3-Clause" ;;
        include/* | lib/* | python/*) echo "BSD-3-Clause" ;;
        *) echo "GPL-2.0-only" ;;
    esac
}
is_source() {
    case "$1" in
        bpf/vmlinux/* | fuzz/seeds/* | LICENSES/*) return 1 ;;
        *.c | *.h | *.cpp | *.sh | *.py | *.cmake | *.in | *.toml | *.service | *.bash) return 0 ;;
        */CMakeLists.txt | CMakeLists.txt | Dockerfile | tests/vm/guest/init | .ci/run) return 0 ;;
        scripts/*.* | scripts/*/*) return 1 ;;
        scripts/*) return 0 ;;
        debian/rules) return 0 ;;
    esac
    return 1
}

if git rev-parse --git-dir >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files --cached --others --exclude-standard)
else
    mapfile -t files < <(find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||')
fi
for f in "${files[@]}"; do
    [[ -f "$f" ]] || continue
    is_source "$f" || continue
    checked=$((checked + 1))
    want=$(want_for "$f")
    got=$(head -3 "$f" | sed -n 's/.*SPDX-License-Identifier: \(.*[^ */]\)[ */]*$/\1/p' | head -1)
    if [[ -z "$got" ]]; then fail "$f: no SPDX-License-Identifier line in its first 3 lines (add: $want)"
    elif [[ "$got" != "$want" ]]; then fail "$f: licence '$got', LICENSE gives its folder '$want'"; fi
done
echo "checked $checked source files"
[[ $checked -gt 100 ]] || fail "only $checked source files found under $src"
for t in LICENSE LICENSES/GPL-2.0-only.txt LICENSES/BSD-3-Clause.txt; do
    [[ -s "$t" ]] || fail "$t is missing"
done
grep -q 'Version 2, June 1991' LICENSES/GPL-2.0-only.txt || fail "LICENSES/GPL-2.0-only.txt is not the GPL v2 text"
grep -qE 'SEC\("license"\) = "GPL"' bpf/llm_sched.bpf.c || fail "bpf/llm_sched.bpf.c: the license section is not \"GPL\""
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
