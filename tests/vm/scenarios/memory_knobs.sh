# SPDX-License-Identifier: GPL-2.0-only
# Memory knobs on the real kernel: every allowlisted sysctl, THP and
# khugepaged file, MGLRU and a 2M hugetlb pool is set and read back, and the
# originals come back on SIGTERM. After a kill -9 the restarted daemon
# adopts the saved originals (it does not take its predecessor's values for
# originals) and restores the true ones. A pool larger than RAM is reported
# and the daemon lives; a *required* one refuses to start and changes nothing.
# The kernel boots with transparent_hugepage=always, so the daemon must say
# that the policy overrides a boot parameter.
# timeout: 240
# kernel-subset: yes
# kernel-args: transparent_hugepage=always

knobs="/proc/sys/vm/swappiness=7 /proc/sys/vm/overcommit_memory=1 /proc/sys/vm/min_free_kbytes=8192
/proc/sys/vm/watermark_scale_factor=150 /proc/sys/vm/zone_reclaim_mode=1 /proc/sys/kernel/numa_balancing=0
/sys/kernel/mm/transparent_hugepage/enabled=madvise /sys/kernel/mm/transparent_hugepage/defrag=defer+madvise
/sys/kernel/mm/transparent_hugepage/shmem_enabled=advise
/sys/kernel/mm/transparent_hugepage/khugepaged/defrag=0 /sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan=1024
/sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs=5000
/sys/kernel/mm/transparent_hugepage/khugepaged/alloc_sleep_millisecs=30000
/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none=256 /sys/kernel/mm/lru_gen/min_ttl_ms=500
/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages=64"
val() {  # the value a knob file holds ("always [madvise] never" -> madvise)
    v=$(cat "$1"); case "$v" in *\[*) v=${v#*[}; v=${v%%]*} ;; esac; echo "$v"
}
snapshot() { for kv in $knobs; do p=${kv%%=*}; echo "$p=$(val "$p")"; done; echo "lru_gen=$(cat /sys/kernel/mm/lru_gen/enabled)"; }
state=/run/llm-schedd/state/originals.json
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# Make the originals differ from the policy's values, so a skipped restore shows.
echo n >/sys/kernel/mm/lru_gen/enabled
snapshot >/tmp/orig.txt
sed 's/^/note: original /' /tmp/orig.txt

start_daemon data/memory.json || return
check "the daemon notes that the policy overrides the boot's transparent_hugepage=always" \
    grep -q "the kernel command line sets transparent_hugepage=always; the policy overrides it" "$DAEMON_LOG"
wrong=0
for kv in $knobs; do
    p=${kv%%=*} want=${kv#*=}
    got=$(val "$p")
    [ "$got" = "$want" ] || { note "$p: wanted $want, got $got"; wrong=$((wrong + 1)); }
done
check "all 16 knobs set and read back from the kernel ($wrong wrong)" test "$wrong" -eq 0
check "lru_gen enabled ($(cat /sys/kernel/mm/lru_gen/enabled))" test "$(cat /sys/kernel/mm/lru_gen/enabled)" != 0x0000
check "HugePages_Total is 64 ($(meminfo HugePages_Total))" test "$(meminfo HugePages_Total)" = 64
llm-schedctl status | grep '^memory:' | head -3 | sed 's/^/note: /'
check "status lists the 17 memory knobs" test "$(llm-schedctl status | grep -c '^memory:')" -eq 17
check "originals were saved before the change, mode 0600 ($(stat -c %a $state))" test "$(stat -c %a $state)" = 600
# verify: the host against the live policy, as tuned-adm verify does.
out=$(llm-schedctl verify); rc=$?
check "verify: in line ($out, exit $rc)" test "$rc" -eq 0
check "  and it read every knob and the scheduler (18 or more settings)" \
    test "$(llm-schedctl verify --json | jq .checked)" -ge 18
echo 60 >/proc/sys/vm/swappiness
# Not thp.enabled: the kernel recomputes min_free_kbytes when it changes,
# which verify then rightly reports as a third drift.
echo 1234 >/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan
out=$(llm-schedctl verify); rc=$?
echo "$out" | sed 's/^/note: verify: /'
check "verify after two knobs changed behind the daemon's back exits 1 (exit $rc)" test "$rc" -eq 1
check "  and says vm.swappiness went 7 -> 60" sh -c 'echo "$1" | grep -qF "drift: knob vm.swappiness (/proc/sys/vm/swappiness): 7 -> 60"' _ "$out"
check "  and thp.khugepaged/pages_to_scan went 1024 -> 1234" sh -c 'echo "$1" | grep -qF "thp.khugepaged/pages_to_scan (/sys/kernel/mm/transparent_hugepage/khugepaged/pages_to_scan): 1024 -> 1234"' _ "$out"
check "  and nothing else" test "$(echo "$out" | grep -c '^drift:')" -eq 2
check "status counts 2 drifted ($(llm-schedctl status --json | jq -c .drift))" \
    test "$(llm-schedctl status --json | jq .drift.drifted)" = 2
llm-schedctl reload >/dev/null
out=$(llm-schedctl verify); rc=$?
check "a reload puts them back: verify exits 0 ($out)" test "$rc" -eq 0
check "  swappiness is 7 again" test "$(val /proc/sys/vm/swappiness)" = 7
stop_daemon
snapshot >/tmp/after.txt
same() { cmp -s "$1" "$2" || diff "$1" "$2" | sed 's/^/note: diff /'; cmp -s "$1" "$2"; }
check "SIGTERM restored every original" same /tmp/orig.txt /tmp/after.txt
check "and removed the saved originals" test ! -e "$state"

# kill -9, restart, stop: the first originals come back.
start_daemon data/memory.json || return
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
wait_state disabled 30
check "after kill -9 the kernel keeps the policy's values (swappiness $(val /proc/sys/vm/swappiness))" \
    test "$(val /proc/sys/vm/swappiness)" = 7
check "and the saved originals survive" test -e "$state"
start_daemon data/memory.json || return
check "the new daemon adopts them" grep -q "adopted 17 original values" "$DAEMON_LOG"
stop_daemon
snapshot >/tmp/after2.txt
check "stop after a restart restores the true originals" same /tmp/orig.txt /tmp/after2.txt

# Memory-only mode (scheduler.enabled false): the knobs, no scheduler.
llm-schedd --config data/memory_only.json >/tmp/monly.log 2>&1 &
monly=$!
for i in $(seq 50); do [ "$(val /proc/sys/vm/swappiness)" = 7 ] && break; sleep 0.1; done
check "memory-only mode sets the knobs (swappiness $(val /proc/sys/vm/swappiness))" test "$(val /proc/sys/vm/swappiness)" = 7
check "and leaves sched_ext alone ($(scx_state))" test "$(scx_state)" = disabled
kill -TERM "$monly"; wait "$monly"
sed 's/^/note: memory-only: /' /tmp/monly.log | tail -5
snapshot >/tmp/after4.txt
check "and restores on stop" same /tmp/orig.txt /tmp/after4.txt

# A pool larger than RAM (100000 x 2M in a 1 GiB VM): reported, daemon lives.
start_daemon data/memory_big.json || return
got=$(meminfo HugePages_Total)
metric partial_pool_pages "$got"
check "a pool larger than RAM gets a partial reservation ($got of 100000)" test "$got" -gt 0 -a "$got" -lt 100000
llm-schedctl status | grep '^memory:' | sed 's/^/note: /'
check "status reports the shortfall" sh -c "llm-schedctl status | grep -q 'SHORT'"
check "the daemon lives" kill -0 "$DAEMON_PID"
stop_daemon
check "the pool is released on stop ($(meminfo HugePages_Total))" test "$(meminfo HugePages_Total)" = 0

# A pool that would take memory a running job uses: the daemon caps it to
# what is available now (keeping the headroom) instead of growing it into
# the job's memory. Uncapped, the OOM killer took the job and the daemon.
weights --mode 4k --mb 600 --hold -1 >/dev/null &
hog=$!
sleep 2
note "MemAvailable with a 600 MiB job: $(meminfo MemAvailable) kB"
t0=$(now_ms)
llm-schedd --config data/memory_compact.json >/tmp/compact.log 2>&1 &
cpid=$!
for i in $(seq 100); do grep -q "hugetlb.2048kB" /tmp/compact.log && break; sleep 0.1; done
t1=$(now_ms)
grep "hugetlb.2048kB" /tmp/compact.log | sed 's/^/note: /'
got=$(meminfo HugePages_Total)
check "the pool is capped below the 300 pages asked ($got)" test "$got" -lt 300
check "and reported as capped" grep -q "hugetlb.2048kB wanted 300, the kernel has $got.*capped" /tmp/compact.log
check "applied within the compaction bound of 1 s (after $((t1 - t0)) ms)" test $((t1 - t0)) -lt 4000
check "the job survives" kill -0 $hog
check "the daemon survives" kill -0 $cpid
kill -TERM $cpid; wait $cpid
kill $hog; wait $hog 2>/dev/null
check "and the pool is released ($(meminfo HugePages_Total))" test "$(meminfo HugePages_Total)" = 0

# The same, marked required: refused, nothing changed, nothing attached.
llm-schedd --config data/memory_required.json >/tmp/req.log 2>&1; rc=$?
sed 's/^/note: required: /' /tmp/req.log | tail -4
check "a required pool that falls short refuses the start (exit $rc)" test "$rc" -eq 1
snapshot >/tmp/after3.txt
check "and every knob is back to its original" same /tmp/orig.txt /tmp/after3.txt
check "and llm_sched was never attached ($(scx_state))" test "$(scx_state)" = disabled

# A write the kernel refuses: the error names the file and the value, the
# daemon exits 1, and what it had already changed (THP, MGLRU, the pool;
# sysctls come last) is put back.
snapshot >/tmp/orig3.txt
mount --bind /proc/sys/vm /proc/sys/vm && mount -o remount,bind,ro /proc/sys/vm
llm-schedd --config data/memory.json >/tmp/ro.log 2>&1; rc=$?
umount /proc/sys/vm
grep -m1 'swappiness' /tmp/ro.log | sed 's/^/note: /'
check "a refused sysctl write fails the start (rc $rc)" test $rc -eq 1
check "naming the file and the value" grep -q '"7" to /proc/sys/vm/swappiness' /tmp/ro.log
snapshot >/tmp/after3.txt
check "and everything written before it is restored" same /tmp/orig3.txt /tmp/after3.txt
check "with no restore errors and no saved originals left" sh -c "! grep -q 'restore failed' /tmp/ro.log && test ! -e $state"
