#!/usr/bin/env bash
# Bad policy files get a clear error (file, JSON path, what, fix) and exit 1,
# through the real binary. Parser details are covered by the unit tests.
set -uo pipefail
bin="$1"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fails=0
expect() {  # expect NAME PATTERN: --check on $tmp/NAME.json fails and says PATTERN
    local name="$1" pattern="$2" rc
    "$bin" --check --config "$tmp/$name.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [[ $rc -ne 1 ]] || ! grep -q -- "$pattern" "$tmp/err"; then
        echo "FAIL $name: rc=$rc, wanted /$pattern/ in:"; cat "$tmp/err"; fails=$((fails + 1))
    else
        echo "ok   $name: $(head -1 "$tmp/err")"
    fi
}
: >"$tmp/empty.json";            expect empty "the file is empty"
expect missing "No such file or directory"
echo '{ "classes": [ ' >"$tmp/half.json"; expect half "line 2, column 1"
printf '{\n "scheduler": { "starvation_ms": 1e999 } }\n' >"$tmp/huge.json"; expect huge "a number too large for JSON at line 2, column 34: 1e999"
printf '{\n "classes": 5,\n}\n' >"$tmp/syntax.json"; expect syntax "line 3, column 1"
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "priorty": 5 } ] }' >"$tmp/typo.json"
expect typo '/classes/0/priorty: unknown key "priorty" (did you mean "priority"?)'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "cpus": "0-4095" } ] }' >"$tmp/cpus.json"
expect cpus '/classes/0/cpus: CPUs .* do not exist on this machine'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "priority": "high" } ] }' >"$tmp/type.json"
expect type '/classes/0/priority: expected a whole number, found a string'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "priority": 150 } ] }' >"$tmp/range.json"
expect range '/classes/0/priority: value 150 is out of range'
cat >"$tmp/overlap.json" <<'J'
{ "classes": [ { "name": "a", "match": [ { "comm_prefix": "a" } ], "cpus": "0", "cpus_exclusive": true },
               { "name": "b", "match": [ { "comm_prefix": "b" } ], "cpus": "0", "cpus_exclusive": true },
               { "name": "c", "match": [ { "default": true } ] } ] }
J
expect overlap '/classes/1/cpus.*exclusive'
# Memory: unknown page sizes, mount paths, cgroup settings.
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "hugetlb": [ { "page_size": "4M", "pages": 1 } ] } }' >"$tmp/pagesize.json"
expect pagesize '/memory/hugetlb/0/page_size: "4M" is not a huge page size'
echo '{ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ], "memory": { "hugetlb": { "16K": "1G" } } }, { "name": "b", "match": [ { "default": true } ] } ] }' >"$tmp/cgpagesize.json"
expect cgpagesize '/classes/0/memory/hugetlb/16K: "16K" is not a huge page size'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "hugetlbfs": [ { "path": "hugepages" } ] } }' >"$tmp/relmount.json"
expect relmount '/memory/hugetlbfs/0/path: "hugepages" is not absolute'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "hugetlbfs": [ { "path": "/sys/kernel/mm/x" } ] } }' >"$tmp/sysmount.json"
expect sysmount '/memory/hugetlbfs/0/path: "/sys/kernel/mm/x" is inside /sys'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "memory": { "max": "1G" } } ] }' >"$tmp/catchall.json"
expect catchall '/classes/0/memory: class a catches every task'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "cgroup_root": "/system.slice/llm" } }' >"$tmp/sdroot.json"
expect sdroot '/memory/cgroup_root: "/system.slice/llm" is below /system.slice, which systemd owns'
echo '{ "classes": [ { "name": "a", "match": [ { "comm_prefix": "x" } ], "memory": { "max": "1G", "high": "2G" } }, { "name": "b", "match": [ { "default": true } ] } ] }' >"$tmp/order.json"
expect order '/classes/0/memory/high: high is above max'
# Keys and paths from the policy cannot reach other kernel files: sysctls
# and THP keys are allowlisted, and a path not in normal form is refused
# rather than resolved, so what is checked is what is used.
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "sysctl": { "kernel.core_pattern": 1 } } }' >"$tmp/sysctlkey.json"
expect sysctlkey '/memory/sysctl/kernel.core_pattern: unknown key "kernel.core_pattern" (known keys here: kernel.numa_balancing, vm.min_free_kbytes'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "sysctl": { "vm/../../kernel/core_pattern": 1 } } }' >"$tmp/sysctlpath.json"
expect sysctlpath 'unknown key "vm/../../kernel/core_pattern" (known keys here'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "thp": { "khugepaged/../../../../../proc/sys/kernel/x": "1" } } }' >"$tmp/thppath.json"
expect thppath 'unknown key "khugepaged/../../../../../proc/sys/kernel/x" (known keys here: enabled'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "hugetlbfs": [ { "path": "/dev/../sys/fs/x" } ] } }' >"$tmp/dotmount.json"
expect dotmount '/memory/hugetlbfs/0/path: "/dev/../sys/fs/x" is not in normal form'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ], "memory": { "cgroup_root": "/llm.slice/../system.slice/x" } }' >"$tmp/dotroot.json"
expect dotroot '/memory/cgroup_root: "/llm.slice/../system.slice/x" is not in normal form'
mkdir "$tmp/dir.json"; expect dir "Is a directory"
echo '{}' >"$tmp/unreadable.json"; chmod 000 "$tmp/unreadable.json"
if [[ $(id -u) -ne 0 ]]; then
    expect unreadable "Permission denied"
else  # root reads anything; check as nobody
    setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --check --config "$tmp/unreadable.json" 2>"$tmp/err"
    rc=$?
    if [[ $rc -eq 1 ]] && grep -q "Permission denied" "$tmp/err"; then echo "ok   unreadable: $(head -1 "$tmp/err")"
    else echo "FAIL unreadable: rc=$rc"; cat "$tmp/err"; fails=$((fails + 1)); fi
fi
# Starting the daemon (not --check) on a bad file changes nothing: exit 1,
# the errors on stderr, and no control socket left behind.
"$bin" --config "$tmp/typo.json" --socket "$tmp/ctl.sock" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [[ $rc -eq 1 ]] && grep -q 'did you mean "priority"' "$tmp/err" && [[ ! -e "$tmp/ctl.sock" ]]; then
    echo "ok   daemon start on a bad file: exit 1, nothing created"
else
    echo "FAIL daemon start on a bad file: rc=$rc"; cat "$tmp/err"; fails=$((fails + 1))
fi
# A policy file others can write is refused at start (it decides what runs
# first and which kernel settings change), unless --allow-unsafe-config.
if [[ $(id -u) -eq 0 ]]; then
    trust() {  # trust NAME PATTERN ARGS...: daemon start fails with PATTERN, no socket
        local name="$1" pattern="$2" rc; shift 2
        "$bin" --config "$tmp/typo.json" --socket "$tmp/ctl.sock" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
        if [[ $rc -eq 1 ]] && grep -q -- "$pattern" "$tmp/err" && [[ ! -e "$tmp/ctl.sock" ]]; then
            echo "ok   $name: $(head -1 "$tmp/err")"
        else
            echo "FAIL $name: rc=$rc, wanted /$pattern/ in:"; cat "$tmp/err"; fails=$((fails + 1))
        fi
    }
    chown 65534 "$tmp/typo.json"
    trust foreign_owner "is owned by uid 65534, but only root may own it.*Fix: chown root"
    chown 0 "$tmp/typo.json"; chmod 666 "$tmp/typo.json"
    trust world_writable "is writable by everyone (mode 0666).*Fix: chmod go-w"
    trust unsafe_flag 'did you mean "priority"' --allow-unsafe-config
    chmod 644 "$tmp/typo.json"; chmod 777 "$tmp"
    trust open_dir "directory $tmp is writable by everyone"
    chmod 700 "$tmp"
    echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ] }' >"$tmp/draft.json"
    chmod 666 "$tmp/draft.json"
    if "$bin" --check --config "$tmp/draft.json" >"$tmp/out" 2>&1 && grep -q "^note: the daemon would refuse this file" "$tmp/out"; then
        echo "ok   --check accepts a draft and notes the refusal to come"
    else
        echo "FAIL --check on a world-writable draft:"; cat "$tmp/out"; fails=$((fails + 1))
    fi
fi
# Nothing was written next to the inputs.
[[ $(ls "$tmp" | grep -vc -e '\.json$' -e '^out$' -e '^err$') -eq 0 ]] || { echo "FAIL: stray files"; fails=$((fails+1)); }
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
