# SPDX-License-Identifier: GPL-2.0-only
# Class cgroups, placement, hugetlbfs and per-size THP on the real kernel.
# The daemon creates /llm.slice/{train,batch} through libcgroup with every
# limit read back; moves a process that was running before it started (the
# /proc scan) and one that execs later (the proc connector); mounts
# hugetlbfs, and a weights buffer allocated there through the C API takes
# the expected pages from HugePages_Free. A job over its memory.max is
# OOM-killed inside its cgroup only; a limit lowered below usage is
# reported; a cgroup removed by someone else is recreated. Stop puts
# everything back, a busy mount is reported and left, and the next daemon
# finishes the job.
# timeout: 300

cg=/sys/fs/cgroup
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
val() { v=$(cat "$1"); case "$v" in *\[*) v=${v#*[}; v=${v%%]*} ;; esac; echo "$v"; }
mthp=/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled
for t in trainer-a trainer-b trainer-c batchjob; do cp "$(command -v weights)" /tmp/$t; done

root_ctl_before=$(cat $cg/cgroup.subtree_control)
mthp_before=$(val $mthp)
note "root subtree_control before: '$root_ctl_before'; 64K THP before: $mthp_before"
/tmp/trainer-a --mode 4k --mb 4 --hold -1 >/dev/null &
pre=$!
pre_cg=$(cgroup_of $pre)

cp data/memory_cgroups.json /tmp/live.json
start_daemon /tmp/live.json || return
check "llm.slice and the class cgroups exist" test -d $cg/llm.slice/train -a -d $cg/llm.slice/batch
ctl=$(tr ' ' '\n' <$cg/llm.slice/cgroup.subtree_control | sort | tr '\n' ' ')
check "llm.slice enables exactly the controllers needed ($ctl)" test "$ctl" = "cpuset hugetlb memory "
want="memory.min=8388608 memory.low=16777216 memory.high=83886080 memory.max=100663296 memory.swap.max=0
memory.oom.group=0 hugetlb.2MB.max=67108864 hugetlb.2MB.rsvd.max=67108864 cpuset.mems=0"
wrong=0
for kv in $want; do
    f=${kv%%=*} v=${kv#*=}
    got=$(cat $cg/llm.slice/train/$f)
    [ "$got" = "$v" ] || { note "train/$f: wanted $v, got $got"; wrong=$((wrong + 1)); }
done
check "train's 9 files read back from the kernel ($wrong wrong)" test $wrong -eq 0
check "batch: memory.max 48M, oom.group 1" test "$(cat $cg/llm.slice/batch/memory.max) $(cat $cg/llm.slice/batch/memory.oom.group)" = "50331648 1"
check "64K mTHP set to always ($(val $mthp))" test "$(val $mthp)" = always
check "a process running before start was moved by the /proc scan ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = /llm.slice/train
# verify reads the class cgroup files again: a limit raised behind the
# daemon's back is drift.
check "verify: the cgroups are in line" llm-schedctl verify
echo 67108864 >$cg/llm.slice/batch/memory.max
out=$(llm-schedctl verify); rc=$?
echo "$out" | sed 's/^/note: verify: /'
check "verify names batch's memory.max 50331648 -> 67108864 (exit $rc)" sh -c \
    'test "$1" -eq 1 && echo "$2" | grep -qF "drift: cgroup /llm.slice/batch memory.max ($3/llm.slice/batch/memory.max): 50331648 -> 67108864"' _ "$rc" "$out" "$cg"
echo 50331648 >$cg/llm.slice/batch/memory.max
check "  and nothing once it is put back" llm-schedctl verify

t0=$(now_ms)
/tmp/trainer-b --mode 4k --mb 1 --hold -1 --wait-cgroup /llm.slice/train >/tmp/b.out &
b=$!
i=0; while [ "$(cgroup_of $b 2>/dev/null)" != /llm.slice/train ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
metric placement_after_exec_ms $(( $(now_ms) - t0 ))
check "a process exec'd later is moved by the proc connector ($(cgroup_of $b))" test "$(cgroup_of $b)" = /llm.slice/train
check "status says proc connector" sh -c 'llm-schedctl status | grep -q "found by proc connector"'
check "a non-matching process stays where it was" test "$(cgroup_of $$)" = "$pre_cg"

# hugetlbfs: mounted in the host's namespace with the policy's options.
m=$(grep ' /dev/hugepages-llm ' /proc/self/mountinfo)
note "mountinfo: $m"
check "hugetlbfs mounted at /dev/hugepages-llm with pagesize=2M" sh -c "echo '$m' | grep -q 'hugetlbfs.*pagesize=2M'"
check "mount root has mode 0770 ($(stat -c %a /dev/hugepages-llm))" test "$(stat -c %a /dev/hugepages-llm)" = 770
check "min_size reserved 16 pages at mount (HugePages_Rsvd $(meminfo HugePages_Rsvd))" test "$(meminfo HugePages_Rsvd)" -eq 16
free0=$(meminfo HugePages_Free)
/tmp/trainer-c --mode hugetlbfs --dir /dev/hugepages-llm --mb 40 --hold -1 --wait-cgroup /llm.slice/train >/tmp/c.out &
c=$!
i=0; while ! grep -q kind= /tmp/c.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
note "weights: $(cat /tmp/c.out)"
free1=$(meminfo HugePages_Free)
check "the C API got hugetlbfs pages" grep -q 'kind=hugetlbfs page_size=2097152' /tmp/c.out
check "HugePages_Free dropped by 20 for 40 MiB ($free0 -> $free1)" test $((free0 - free1)) -eq 20
check "the class's hugetlb usage shows them ($(cat $cg/llm.slice/train/hugetlb.2MB.current))" \
    test "$(cat $cg/llm.slice/train/hugetlb.2MB.current)" -eq $((40 << 20))
/tmp/trainer-b --mode hugetlbfs --dir /dev/hugepages-llm --mb 40 --wait-cgroup /llm.slice/train >/tmp/c2.out 2>&1
note "over the class's hugetlb limit: $(cat /tmp/c2.out)"
check "beyond hugetlb.2MB.rsvd.max the C API falls back at mmap time (no SIGBUS)" \
    sh -c "grep -q 'kind=thp.*fallback_errno=12' /tmp/c2.out"

# OOM inside the class only.
/tmp/batchjob --mode 4k --mb 200 --wait-cgroup /llm.slice/batch >/dev/null 2>&1
rc=$?
ooms=$(sed -n 's/^oom_kill //p' $cg/llm.slice/batch/memory.events)
check "a job over batch's memory.max is OOM-killed (rc $rc, oom_kill $ooms)" test $rc -eq 137 -a "$ooms" -ge 1
check "the daemon survives" kill -0 "$DAEMON_PID"
check "the train processes survive" kill -0 $pre $b $c
check "the kernel's OOM report names /llm.slice/batch" sh -c 'dmesg | grep -q "oom-kill:.*oom_memcg=/llm.slice/batch"'

# A limit lowered below usage: reported, nothing crashes. batch has
# oom.group, so the kernel takes its whole job and nothing else.
/tmp/batchjob --mode 4k --mb 24 --hold -1 --wait-cgroup /llm.slice/batch >/dev/null &
big=$!
i=0; while [ "$(cat $cg/llm.slice/batch/memory.current)" -lt $((24 << 20)) ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
note "batch memory.current before: $(cat $cg/llm.slice/batch/memory.current)"
cp data/memory_cgroups_low.json /tmp/live.json
llm-schedctl reload >/tmp/reload.out 2>&1
sed 's/^/note: reload: /' /tmp/reload.out | head -5
sleep 0.5
kill -0 $big 2>/dev/null && big_alive=yes || big_alive=no
note "batch memory.current after: $(cat $cg/llm.slice/batch/memory.current); 24 MiB job alive: $big_alive"
check "the reload applied memory.max 8M" test "$(cat $cg/llm.slice/batch/memory.max)" = 8388608
check "the daemon reports what the kernel did with usage above the new limit" \
    grep -q "memory.max 8M is below its usage of" "$DAEMON_LOG"
grep "is below its usage" "$DAEMON_LOG" | sed 's/^/note: /'
check "and lives" kill -0 "$DAEMON_PID"
check "the train processes were not touched" kill -0 $pre $b $c
cp data/memory_cgroups.json /tmp/live.json
llm-schedctl reload >/dev/null
check "reload back: memory.max 48M" test "$(cat $cg/llm.slice/batch/memory.max)" = 50331648

# Someone else removes a class cgroup.
for p in $(cat $cg/llm.slice/batch/cgroup.procs); do echo $p >$cg/cgroup.procs; done
rmdir $cg/llm.slice/batch
# The directory appears a moment before its limits are written, and the log
# line after both: wait for the line.
i=0; while ! grep -q "removed by someone else; recreated" "$DAEMON_LOG" && [ $i -lt 60 ]; do sleep 0.1; i=$((i + 1)); done
check "a removed class cgroup is recreated" test -d $cg/llm.slice/batch
check "with its limits ($(cat $cg/llm.slice/batch/memory.max 2>/dev/null))" test "$(cat $cg/llm.slice/batch/memory.max 2>/dev/null)" = 50331648
check "and reported" grep -q "removed by someone else; recreated" "$DAEMON_LOG"

# Stop while trainer-c still maps the hugetlbfs file: the mount is busy.
stop_daemon
check "stop: rc 0" test "$DAEMON_RC" = 0
check "llm.slice is gone" test ! -e $cg/llm.slice
check "the process moved at start is back in its cgroup ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = "$pre_cg"
check "root subtree_control is as before ($(cat $cg/cgroup.subtree_control))" test "$(cat $cg/cgroup.subtree_control)" = "$root_ctl_before"
check "64K mTHP restored ($(val $mthp))" test "$(val $mthp)" = "$mthp_before"
check "the busy hugetlbfs mount is reported" grep -q "/dev/hugepages-llm is still in use" "$DAEMON_LOG"
check "and left mounted" grep -q ' /dev/hugepages-llm ' /proc/self/mountinfo
check "its record is kept" test -e /run/llm-schedd/state/mounts.json
kill $c; wait $c 2>/dev/null

# The next daemon adopts the record; its stop unmounts.
start_daemon /tmp/live.json || return
check "the next daemon adopts the mount record" grep -q "1 mounts" "$DAEMON_LOG"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
wait_state disabled 30
check "after kill -9 the cgroups stay, with the processes" test "$(cgroup_of $pre)" = /llm.slice/train
start_daemon /tmp/live.json || return
check "a daemon after kill -9 adopts the cgroup records" grep -q "cgroup records saved by a previous" "$DAEMON_LOG"
stop_daemon
check "now everything is gone: llm.slice" test ! -e $cg/llm.slice
check "the mount" sh -c "! grep -q ' /dev/hugepages-llm ' /proc/self/mountinfo"
check "the mount point the daemon created" test ! -e /dev/hugepages-llm
check "the pool (HugePages_Total $(meminfo HugePages_Total))" test "$(meminfo HugePages_Total)" = 0
check "the moved process went back ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = "$pre_cg"
check "no state files left ($(ls /run/llm-schedd/state 2>/dev/null | tr '\n' ' '))" test -z "$(ls /run/llm-schedd/state 2>/dev/null)"

# A mount path that is already another file system: refused, nothing changed.
# (Not /tmp itself: the mount-path rules refuse that system tree first.)
mkdir -p /mnt/llm-taken && mount -t tmpfs tmpfs /mnt/llm-taken
llm-schedd --config data/memory_mount_taken.json >/tmp/taken.log 2>&1; rc=$?
grep -m1 "already has tmpfs mounted" /tmp/taken.log | sed 's/^/note: /'
check "a mount path that is already a tmpfs is refused (rc $rc)" test $rc -ne 0
check "with a message that says so" grep -q "/mnt/llm-taken.*already has tmpfs mounted" /tmp/taken.log
check "and the tmpfs is still there, alone" test "$(grep -c ' /mnt/llm-taken ' /proc/self/mountinfo)" = 1
umount /mnt/llm-taken
check "and nothing was left changed" test ! -e $cg/llm.slice -a "$(meminfo HugePages_Total)" = 0 -a "$(val $mthp)" = "$mthp_before"
kill $pre $b $big 2>/dev/null
