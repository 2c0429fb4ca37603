# SPDX-License-Identifier: GPL-2.0-only
# What the daemon will not do to a host, on the real kernel.
# 1. Mount paths: a non-empty directory, a path through a symbolic link, an
#    existing directory under /dev and a system tree are refused at start,
#    before anything changes: mountinfo, cgroups and knobs are compared
#    before and after, and the directory's files are still there.
# 2. Adoption: after a kill -9, the state files are tampered with (a knob
#    outside the allowlist, a malformed entry, a mount of /etc, a record
#    claiming an operator's process and an operator's cgroup). The next
#    daemon reports each, moves the files aside (*.bad), uses what is good,
#    and its stop puts back only what the daemon itself changed.
# 3. Stop moves out only what the daemon moved: processes an operator put
#    into a class cgroup that existed before the daemon stay there, and the
#    cgroup stays; a process the daemon moved goes back to its own cgroup.
# timeout: 300

cg=/sys/fs/cgroup
st=/run/llm-schedd/state
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
snapshot() {
    awk '{ print $5, $9, $10 }' /proc/self/mountinfo | sort
    find $cg -type d | sort
    cat /proc/sys/vm/swappiness /proc/sys/vm/watermark_scale_factor /proc/sys/kernel/core_pattern \
        /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
}
swappiness0=$(cat /proc/sys/vm/swappiness)
wsf0=$(cat /proc/sys/vm/watermark_scale_factor)
core0=$(cat /proc/sys/kernel/core_pattern)

# 1. Refused mount paths.
mkdir -p /mnt/full /mnt/empty /dev/existing
echo weights >/mnt/full/model.bin
ln -s /mnt/empty /mnt/link
refused() {  # refused NAME PATH PATTERN
    sed "s#/dev/hugepages-llm#$2#" data/memory_safety.json >/tmp/$1.json
    before=$(snapshot)
    timeout 20 llm-schedd --config /tmp/$1.json >/tmp/$1.log 2>&1; rc=$?
    after=$(snapshot)
    note "$1: $(grep -m1 -o "hugetlbfs $2: .*" /tmp/$1.log | cut -c1-160)"
    check "mount at $2 ($1): refused at start, exit 1 (rc $rc)" test "$rc" = 1
    check "  saying why" grep -q "$3" /tmp/$1.log
    check "  with mountinfo, cgroups and knobs as before" test "$before" = "$after"
    check "  and llm_sched never attached" test "$(scx_state)" = disabled
}
refused nonempty /mnt/full "is a directory with 1 entry; hugetlbfs mounted over it would hide them"
refused symlink /mnt/link "goes through the symbolic link /mnt/link"
refused devdir /dev/existing "is an existing directory under /dev"
refused etc /etc "is a system directory"
check "the non-empty directory's file is still there" test "$(cat /mnt/full/model.bin)" = weights
check "llm-schedd --check says the same without starting" \
    sh -c "llm-schedd --check --config /tmp/nonempty.json 2>&1 | grep -q 'is a directory with 1 entry'"

# 3 (set-up). An operator's own cgroups before the daemon: /work holds a
# trainer the daemon will move; llm.slice/train already exists and holds
# two processes the operator put there (comm "sleep": no class moves them).
echo +memory >$cg/cgroup.subtree_control
mkdir -p $cg/work $cg/llm.slice/train
echo +memory >$cg/llm.slice/cgroup.subtree_control
cp "$(command -v weights)" /tmp/trainer-a
sh -c "echo \$\$ >$cg/work/cgroup.procs; exec /tmp/trainer-a --mode 4k --mb 1 --hold -1" >/dev/null &
tr=$!
sleep 1000 & op1=$!
sleep 1000 & op2=$!
echo $op1 >$cg/llm.slice/train/cgroup.procs
echo $op2 >$cg/llm.slice/train/cgroup.procs
sleep 0.3
note "trainer $tr in $(cgroup_of $tr); operator's $op1 $op2 in $(cgroup_of $op1)"

cp data/memory_safety.json /tmp/live.json
start_daemon /tmp/live.json || return
check "the daemon moved the trainer into its class ($(cgroup_of $tr))" test "$(cgroup_of $tr)" = /llm.slice/train
check "the policy's knobs applied (swappiness $(cat /proc/sys/vm/swappiness))" test "$(cat /proc/sys/vm/swappiness)" = 23
check "hugetlbfs is mounted" grep -q ' /dev/hugepages-llm .* hugetlbfs ' /proc/self/mountinfo
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
wait_state disabled 30
note "state after kill -9: $(ls $st | tr '\n' ' ')"

# 2. Tamper with the records the next daemon adopts.
jq --arg w "$wsf0" '.knobs["/proc/sys/kernel/core_pattern"] = { "original": "|/bin/false", "format": 0 }
    | .knobs["/proc/sys/vm/watermark_scale_factor"] = { "original": 1 }' $st/originals.json >/tmp/o && cp /tmp/o $st/originals.json
jq '.mounts["/etc"] = { "options": "pagesize=2M", "created_dir": true }' $st/mounts.json >/tmp/m && cp /tmp/m $st/mounts.json
op2_start=$(awk '{ print $22 }' /proc/$op2/stat)
jq --arg p "$op2" --argjson s $((op2_start + 1)) '.created += [ "/work" ]
    | .moved[$p] = { "from": "/", "start": $s }' $st/cgroups.json >/tmp/c && cp /tmp/c $st/cgroups.json
note "tampered: core_pattern and a malformed knob, a mount of /etc, /work as created, pid $op2 as moved (wrong start time)"

start_daemon /tmp/live.json || return
check "the next daemon starts despite the tampered records" test "$(scx_state)" = enabled
for pattern in 'core_pattern" is not a file any policy can change' 'watermark_scale_factor" has a malformed entry' \
               'mount "/etc" is a system directory' 'created cgroup "/work" is not below memory.cgroup_root /llm.slice'; do
    check "  reported: $pattern" grep -qF "$pattern" "$DAEMON_LOG"
done
for f in originals cgroups mounts; do
    check "  $f.json kept aside as $f.json.bad" test -f $st/$f.json.bad
done
check "  and the good records were adopted" grep -q "adopted .* original values, 1 mounts" "$DAEMON_LOG"
check "status lists what was dropped" sh -c "llm-schedctl status | grep -q 'is not a file any policy can change'"

stop_daemon
check "stop: rc 0" test "$DAEMON_RC" = 0
check "swappiness is back ($(cat /proc/sys/vm/swappiness))" test "$(cat /proc/sys/vm/swappiness)" = "$swappiness0"
check "core_pattern was never written ($(cat /proc/sys/kernel/core_pattern))" test "$(cat /proc/sys/kernel/core_pattern)" = "$core0"
check "watermark_scale_factor untouched" test "$(cat /proc/sys/vm/watermark_scale_factor)" = "$wsf0"
check "/etc is still there" test -s /etc/passwd
check "hugetlbfs is unmounted" sh -c "! grep -q ' /dev/hugepages-llm ' /proc/self/mountinfo"
check "the trainer went back to its own cgroup ($(cgroup_of $tr))" test "$(cgroup_of $tr)" = /work
check "the operator's processes stayed in the cgroup they put them in ($(cgroup_of $op1), $(cgroup_of $op2))" \
    test "$(cgroup_of $op1) $(cgroup_of $op2)" = "/llm.slice/train /llm.slice/train"
check "  which the daemon did not create, so it is still there" test -d $cg/llm.slice/train
check "the operator's /work cgroup is still there" test -d $cg/work
kill $tr $op1 $op2 2>/dev/null; wait 2>/dev/null
