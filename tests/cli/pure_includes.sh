#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# The pure library is told apart by folder (CMakeLists.txt: LLM_PURE_DIRS).
# A file there may not include a logging, BPF, cgroup or systemd library, a
# system header for effects, or a header from an effect folder; policy/
# (the language) includes none of the other folders, so plans, reports and
# protocols depend on the language and never the reverse. Every daemon
# source sits in a pure or an effect folder.
# Usage: pure_includes.sh SOURCE_DIR "PURE DIRS" "EFFECT DIRS"
set -u
src=$1 pure=${2//;/ } effect=${3//;/ }  # CMake passes lists with ";"
fail=0
bad() { echo "FAIL: $*"; fail=1; }

forbidden_sys='spdlog/|bpf/|libbpf|libcgroup|systemd/|sys/(mount|socket|stat|ioctl|mman|epoll|inotify|signalfd|wait|un)\.h|unistd\.h|fcntl\.h|dirent\.h|poll\.h|signal\.h|grp\.h|pwd\.h|fstream|filesystem|thread|netinet/|arpa/'
effect_re=$(echo "$effect" | tr ' ' '|')
checked=0
for d in $pure; do
    for f in "$src"/daemon/"$d"/*.h "$src"/daemon/"$d"/*.cpp; do
        [ -e "$f" ] || continue
        checked=$((checked + 1))
        rel=${f#"$src"/}
        while IFS= read -r line; do
            bad "$rel includes a system header for effects: $line"
        done < <(grep -E "^#include <($forbidden_sys)" "$f")
        while IFS= read -r line; do
            bad "$rel includes an effect folder's header: $line"
        done < <(grep -E "^#include \"($effect_re|util/(read_file|state_file|unique_fd))[/.]" "$f")
        if [ "$d" = policy ]; then
            while IFS= read -r line; do
                bad "$rel (the policy language) includes a folder built on it: $line"
            done < <(grep -E '^#include "(plan|report|protocol|memory)/' "$f")
        fi
    done
done
[ "$checked" -gt 20 ] || bad "only $checked pure files found below $src/daemon ($pure)"

known=$(echo "$pure $effect ctl util" | tr ' ' '|')
while IFS= read -r f; do
    rel=${f#"$src"/daemon/}
    case "$rel" in main.cpp | version.h.in) continue ;; esac
    echo "${rel%%/*}" | grep -qxE "$known" || bad "daemon/$rel is in neither a pure nor an effect folder"
done < <(find "$src/daemon" -type f)

[ "$fail" -eq 0 ] && echo "ok: $checked files in daemon/{${pure// /,}} are pure"
exit "$fail"
