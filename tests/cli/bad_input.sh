#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Bad policy files get a clear error (file, JSON path, what, fix) and exit 1,
# through the real binary, and a refused start leaves the system as it was.
# The policy cases live in tests/data/bad_policies (NAME.json, and in
# expected.tsv what --check must say); the schema differential test reads
# the same files. Parser details are covered by the unit tests.
set -uo pipefail
bin="$1" src="$2"
cases="$src/tests/data/bad_policies"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
expect_file() {  # expect_file NAME FILE PATTERN: --check on FILE fails and says PATTERN
    local name="$1" file="$2" pattern="$3" rc
    timeout 10 "$bin" --check --config "$file" >"$tmp/out" 2>"$tmp/err"; rc=$?
    if [[ $rc -ne 1 ]] || ! grep -q -- "$pattern" "$tmp/err"; then
        bad "$name: rc=$rc, wanted /$pattern/ in:"; cat "$tmp/err"
    else
        ok "$name: $(head -1 "$tmp/err")"
    fi
}
expect() { expect_file "$1" "$tmp/$1.json" "$2"; }
while IFS=$'\t' read -r name pattern; do
    [[ -z "$name" || "$name" == \#* ]] && continue
    cp "$cases/$name.json" "$tmp/$name.json"
    expect "$name" "$pattern"
done <"$cases/expected.tsv"
[[ $(ls "$cases"/*.json | wc -l) -eq $(grep -vc '^#' "$cases/expected.tsv") ]] || bad "a case in $cases has no line in expected.tsv"
: >"$tmp/empty.json";            expect empty "the file is empty"
expect missing "No such file or directory"
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
# The file itself: opened once, without following a final link, and
# refused unread past 1 MiB.
echo '{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ] }' >"$tmp/good.json"
ln -s "$tmp/good.json" "$tmp/link.json"
expect link "link.json is a symbolic link"
mkfifo "$tmp/fifo.json"; expect fifo "is not a regular file"
truncate -s 200M "$tmp/big.json"
t0=$(date +%s%N)
expect big "big.json is 209715200 bytes; a policy is at most 1048576 bytes (1 MiB)"
big_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "metric: refuse_200MB_ms=$big_ms"
[[ $big_ms -lt 1000 ]] || bad "a 200 MB file took $big_ms ms to refuse: it was read"
small='{ "classes": [ { "name": "a", "match": [ { "default": true } ] } ] }'
{ printf '%s' "$small"; head -c $((1048576 - ${#small})) /dev/zero | tr '\0' ' '; } >"$tmp/edge.json"
if [[ $(stat -c %s "$tmp/edge.json") -eq 1048576 ]] && "$bin" --check --config "$tmp/edge.json" >"$tmp/out" 2>&1; then
    ok "a policy of exactly 1 MiB (padded) is accepted"
else
    bad "the 1 MiB policy: size $(stat -c %s "$tmp/edge.json")"; cat "$tmp/out"
fi
echo >>"$tmp/edge.json"; expect edge "is 1048577 bytes; a policy is at most 1048576"
# Phase CPUs outside the class's own CPUs are allowed (the phase set wins
# for a marked thread), and --check says so.
echo '{ "classes": [ { "name": "t", "match": [ { "comm_prefix": "t" } ], "cpus": "0", "phases": { "forward": "0", "backward": "1" } }, { "name": "r", "match": [ { "default": true } ] } ] }' >"$tmp/phasecpus.json"
if [[ $(nproc --all) -ge 2 ]]; then
    "$bin" --check --config "$tmp/phasecpus.json" >"$tmp/out" 2>&1; rc=$?
    if [[ $rc -eq 0 ]] && grep -q "^note: class t: backward CPU 1 is outside its cpus 0: threads marked backward run on the backward set" "$tmp/out"; then
        ok "phase CPUs outside the class: accepted, and --check says what happens: $(grep 'outside the class' "$tmp/out")"
    else
        bad "phase CPUs outside the class: rc=$rc"; cat "$tmp/out"
    fi
fi

# The system as a refused start must leave it: mounts, cgroups, knobs.
# Only what the daemon could touch, so other activity on a CI host (login
# sessions, container mounts) does not count: hugetlbfs mounts and the test's
# own trees, the top of the cgroup tree and llm.slice, the knobs.
snapshot() {
    awk '$9 == "hugetlbfs" || $5 ~ /llm-schedd-test/ { print $5, $9, $10 }' /proc/self/mountinfo | sort
    find /sys/fs/cgroup -maxdepth 1 -type d 2>/dev/null | sort
    find /sys/fs/cgroup/llm.slice -type d 2>/dev/null | sort
    for f in /proc/sys/vm/swappiness /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages \
             /sys/kernel/mm/transparent_hugepage/enabled /proc/sys/kernel/core_pattern; do
        echo "$f $(cat "$f" 2>/dev/null)"
    done
}
# Mount paths on the live system, before anything is mounted (root: the
# fixtures are real directories, mounts and /dev entries).
if [[ $(id -u) -eq 0 && -d /mnt && -d /sys/kernel/mm/hugepages/hugepages-2048kB ]]; then
    base="$(mktemp -d /mnt/llm-schedd-test.XXXXXX)"
    devdir="/dev/llm-schedd-test.$$"
    mkdir "$devdir"
    cleanup_live() { umount "$base/tmpfs" 2>/dev/null; rm -rf "$base"; rmdir "$devdir" 2>/dev/null; rm -rf "$tmp"; }
    trap cleanup_live EXIT
    mkdir -p "$base/full" "$base/empty" "$base/tmpfs"
    echo weights >"$base/full/model.bin"
    echo x >"$base/file"
    ln -s "$base/empty" "$base/link"
    ln -s "$base" "$base/updir"
    mount -t tmpfs tmpfs "$base/tmpfs"
    swappiness=$(cat /proc/sys/vm/swappiness)
    mountpol() {  # mountpol PATH: memory-only policy with a sysctl, a pool and one mount
        printf '{ "scheduler": { "enabled": false }, "classes": [ { "name": "a", "match": [ { "default": true } ] } ],\n'
        printf '  "memory": { "sysctl": { "vm.swappiness": %d }, "hugetlb": [ { "page_size": "2M", "pages": 2 } ],\n' $(( (swappiness + 7) % 100 ))
        printf '    "hugetlbfs": [ { "path": "%s", "page_size": "2M" } ] } }\n' "$1"
    }
    live() {  # live NAME PATH PATTERN
        mountpol "$2" >"$tmp/$1.json"
        expect "$1" "hugetlbfs $2: .*$3"
    }
    live full "$base/full" "is a directory with 1 entry; hugetlbfs mounted over it would hide them"
    live linkmount "$base/link" "goes through the symbolic link $base/link"
    live updir "$base/updir/new" "goes through the symbolic link $base/updir"
    live file "$base/file" "exists and is not a directory"
    live devdir "$devdir" "is an existing directory under /dev"
    live noparent "$base/a/b" "does not exist, nor does its parent directory"
    live tmpfs "$base/tmpfs" "already has tmpfs mounted"
    # The daemon itself, started on each: exit 1, and nothing changed.
    for name in full linkmount updir devdir tmpfs; do
        before="$(snapshot)"
        timeout 10 "$bin" --config "$tmp/$name.json" --socket "$tmp/ctl.sock" --state-dir "$tmp/state-$name" \
            >"$tmp/out" 2>"$tmp/err"; rc=$?
        after="$(snapshot)"
        if [[ $rc -eq 1 ]] && grep -q "hugetlbfs" "$tmp/err" && [[ "$before" == "$after" ]] && [[ ! -e "$tmp/ctl.sock" ]] &&
           [[ -z "$(ls -A "$tmp/state-$name" 2>/dev/null)" ]]; then
            ok "daemon start with mount \"$name\": exit 1, mounts, cgroups and knobs unchanged, no state left"
        else
            bad "daemon start with mount \"$name\": rc=$rc"; diff <(echo "$before") <(echo "$after"); cat "$tmp/err"
        fi
    done
    rm -rf "$tmp"/state-*
    [[ "$(cat "$base/full/model.bin")" == weights ]] || bad "the non-empty directory's file is gone"

    # Hostile state files: each entry is checked before use; a bad one is
    # reported and moved aside, and the daemon starts and stops normally.
    st="$tmp/state"; mkdir -m 700 "$st"
    cat >"$st/originals.json" <<J
{ "knobs": { "$tmp/canary": { "original": "written", "format": 0 },
             "/proc/sys/kernel/core_pattern": { "original": "|/bin/false", "format": 0 },
             "/proc/sys/vm/swappiness": { "original": 7, "format": 0 },
             "/proc/sys/vm/watermark_scale_factor": { "original": "$(cat /proc/sys/vm/watermark_scale_factor)", "format": 0 } } }
J
    echo '[ "not", "an", "object" ]' >"$st/cgroups.json"
    printf '{ "mounts": { "/etc": { "options": "pagesize=2M", "created_dir": true }, "%s": { "options": 5 } } }\n' "$base/empty" >"$st/mounts.json"
    echo '{ "scheduler": { "enabled": false }, "classes": [ { "name": "a", "match": [ { "default": true } ] } ] }' >"$tmp/plain.json"
    before="$(snapshot)"
    "$bin" --config "$tmp/plain.json" --socket "$tmp/ctl.sock" --state-dir "$st" >"$tmp/out" 2>"$tmp/err" &
    dpid=$!
    # Up once it logs its control socket (signals are handled by then).
    for _ in $(seq 50); do grep -q "control socket" "$tmp/err" && break; sleep 0.1; done
    kill -TERM "$dpid" 2>/dev/null; wait "$dpid"; rc=$?
    after="$(snapshot)"
    if [[ $rc -eq 0 && ! -e "$tmp/canary" && "$before" == "$after" ]]; then
        ok "hostile state files: the daemon started and stopped (rc 0), and wrote nothing it should not"
    else
        bad "hostile state files: rc=$rc, canary $(cat "$tmp/canary" 2>/dev/null || echo absent)"
        diff <(echo "$before") <(echo "$after"); cat "$tmp/err"
    fi
    for f in originals cgroups mounts; do
        [[ -f "$st/$f.json.bad" ]] && ok "  $f.json was moved aside to $f.json.bad" || bad "  no $st/$f.json.bad"
    done
    for pattern in "canary\" is not a file any policy can change" "core_pattern\" is not a file any policy can change" \
                   "swappiness\" has a malformed entry" "cgroups.json is damaged" "mount \"/etc\" is a system directory" \
                   "mount \"$base/empty\" has a malformed entry"; do
        grep -q -- "$pattern" "$tmp/err" && ok "  reported: $pattern" || bad "  not reported: $pattern"
    done
    [[ -d /etc && -n "$(ls -A /etc)" ]] || bad "/etc is gone"
    rm -rf "$st"
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
