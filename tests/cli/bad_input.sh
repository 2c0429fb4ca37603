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
printf '{\n "classes": 5,\n}\n' >"$tmp/syntax.json"; expect syntax "line 3, column 1"
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "priorty": 5 } ] }' >"$tmp/typo.json"
expect typo '/classes/0/priorty: unknown key "priorty" (did you mean "priority"?)'
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ], "cpus": "0-4095" } ] }' >"$tmp/cpus.json"
expect cpus '/classes/0/cpus: CPUs .* do not exist or are offline'
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
# Nothing was written next to the inputs.
[[ $(ls "$tmp" | grep -vc -e '\.json$' -e '^out$' -e '^err$') -eq 0 ]] || { echo "FAIL: stray files"; fails=$((fails+1)); }
[[ $fails -eq 0 ]] && echo PASS
exit "$fails"
