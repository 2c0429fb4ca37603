# SPDX-License-Identifier: GPL-2.0-only
# configs/llm-schedd.service under the real systemd (PID 1 in the guest),
# installed as an operator would: Type=notify start with STATUS, sandbox
# and capability bounding set in force, ExecReload, the watchdog kept fed,
# Restart=on-failure after a kill -9, and a clean stop. The sandbox is
# checked from inside the service's own mount namespace (nsenter): kernel
# files outside ReadWritePaths= are read-only even for root, while the
# policy's sysctls and THP settings still apply. The hugetlbfs mount is a
# transient .mount unit that PID 1 makes in the host's namespace, and the
# proc connector must place a process that execs. The daemon logs through
# journald with a priority per record: a refused reload shows up in
# `journalctl -p err -u llm-schedd`.
# systemd: yes
# timeout: 300

cp data/systemd_memory.json /etc/llm-schedd/policy.json
for t in trainer-a trainer-b; do cp "$(command -v weights)" /tmp/$t; done
swappiness0=$(cat /proc/sys/vm/swappiness)
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
/tmp/trainer-a --mode 4k --mb 1 --hold -1 >/dev/null &
pre=$!
pre_cg=$(cgroup_of $pre)
prop() { systemctl show -p "$1" --value llm-schedd; }
gen() { llm-schedctl status --json | jq .generation; }

if ! timeout 60 systemctl start llm-schedd; then
    fail "systemctl start llm-schedd failed"
    systemctl stop llm-schedd; journalctl -q -u llm-schedd --no-pager | tail -n 30; return
fi
check "systemctl start returns with the unit active ($(prop ActiveState)/$(prop SubState))" \
    test "$(prop ActiveState)" = active
check "llm_sched is attached (state $(scx_state), ops $(scx_ops))" test "$(scx_state)/$(scx_ops)" = enabled/llm_sched
check "STATUS from sd_notify: $(prop StatusText)" sh -c "systemctl show -p StatusText --value llm-schedd | grep -q 'generation 1 live; llm_sched attached'"
pid=$(prop MainPID)
note "main pid $pid; CapBnd $(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)"
# CAP_CHOWN (0), CAP_DAC_OVERRIDE (1), CAP_NET_ADMIN (12), CAP_SYS_ADMIN (21),
# CAP_PERFMON (38), CAP_BPF (39): no CAP_SYS_PTRACE, no CAP_SYS_CHROOT.
check "capability bounding set is exactly CHOWN DAC_OVERRIDE NET_ADMIN SYS_ADMIN PERFMON BPF" \
    test "$(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)" = 000000c000201003
check "NoNewPrivs is set" test "$(awk '/^NoNewPrivs/ { print $2 }' /proc/$pid/status)" = 1
check "ProtectSystem=strict: /usr is read-only for the daemon" \
    sh -c "grep -E ' /usr | / ' /proc/$pid/mountinfo | grep -q ' ro[ ,]'"
check "the daemon has a mount namespace of its own" test "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/1/ns/mnt)"
# Root with every capability, in the daemon's mount namespace: only the
# read-only mounts stand in the way, so a write that fails here fails for
# the daemon too.
inside() { nsenter -t "$pid" -m -- sh -c "$1" 2>&1; }
for f in /proc/sys/kernel/core_pattern /proc/sys/vm/drop_caches /sys/kernel/mm/ksm/run /proc/sys/kernel/sched_rt_runtime_us; do
    [ -e "$f" ] || continue
    was=$(cat "$f")
    out=$(inside "cat $f > $f")
    check "inside the service, $f is read-only ($out)" sh -c 'echo "$1" | grep -q "Read-only file system"' _ "$out"
    check "  and unchanged on the host" test "$(cat "$f")" = "$was"
done
out=$(inside "cat /proc/sys/vm/swappiness > /proc/sys/vm/swappiness && echo wrote")
check "inside the service, an allowlisted sysctl stays writable ($out)" sh -c 'echo "$1" | grep -q wrote' _ "$out"
check "the policy's vm.swappiness applied ($(cat /proc/sys/vm/swappiness))" test "$(cat /proc/sys/vm/swappiness)" = 17
check "  kernel.numa_balancing too ($(cat /proc/sys/kernel/numa_balancing 2>/dev/null || echo absent))" \
    sh -c "test ! -e /proc/sys/kernel/numa_balancing || test \"\$(cat /proc/sys/kernel/numa_balancing)\" = 0"
check "  THP enabled = madvise ($(cat /sys/kernel/mm/transparent_hugepage/enabled))" \
    grep -q '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled
check "  khugepaged/defrag = 0" test "$(cat /sys/kernel/mm/transparent_hugepage/khugepaged/defrag)" = 0
check "  the 2M pool has 32 pages ($(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages))" \
    test "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)" = 32
check "the control socket answers from outside the sandbox" llm-schedctl status
unit='dev-hugepages\x2dllm.mount'
check "the hugetlbfs mount is in the host's (PID 1's) namespace" grep -q ' /dev/hugepages-llm .* hugetlbfs ' /proc/1/mountinfo
check "  made by systemd: a transient unit $unit ($(systemctl show -p Transient,ActiveState --value "$unit" | tr '\n' ' '))" \
    test "$(systemctl show -p Transient --value "$unit")/$(systemctl show -p ActiveState --value "$unit")" = yes/active
check "  with nosuid,nodev" sh -c "grep ' /dev/hugepages-llm ' /proc/1/mountinfo | grep -q 'nosuid,nodev'"
/tmp/trainer-b --mode hugetlbfs --dir /dev/hugepages-llm --mb 8 --hold -1 --wait-cgroup /llm.slice/train >/tmp/b.out 2>&1 &
b=$!
for i in $(seq 50); do grep -q kind= /tmp/b.out && break; sleep 0.1; done
note "weights: $(cat /tmp/b.out)"
check "a workload on the host gets hugetlbfs pages there" grep -q kind=hugetlbfs /tmp/b.out
check "a process running before the start was placed ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = /llm.slice/train
check "one that exec'd later too, by the proc connector (CAP_NET_ADMIN)" \
    sh -c "test \"\$(sed -n 's/^0:://p' /proc/$b/cgroup)\" = /llm.slice/train && llm-schedctl status | grep -q 'found by proc connector'"
check "memory.max of the class cgroup is 64M" test "$(cat /sys/fs/cgroup/llm.slice/train/memory.max)" = 67108864
kill $b; wait $b 2>/dev/null

systemctl reload llm-schedd
for i in $(seq 30); do [ "$(gen)" = 2 ] && break; sleep 0.1; done
check "systemctl reload: generation 2 ($(gen))" test "$(gen)" = 2
check "  and the unit is active again ($(prop SubState))" test "$(prop ActiveState)" = active

# journald priorities: the daemon logs through the journal with a priority
# per record, so a refused reload is an error and the attach line is not.
cp /etc/llm-schedd/policy.json /tmp/good.json
echo '{"classes": [' >/etc/llm-schedd/policy.json
systemctl reload llm-schedd
for i in $(seq 50); do journalctl -q -p err -u llm-schedd -o cat | grep -q refused && break; sleep 0.1; done
note "journalctl -p err -u llm-schedd: $(journalctl -q -p err -u llm-schedd -o cat | head -n 3 | tr '\n' ' ')"
check "a refused reload is in journalctl -p err -u llm-schedd" \
    sh -c "journalctl -q -p err -u llm-schedd -o cat | grep -q 'refused'"
check "  the info-level attach line is in the unit's journal" \
    sh -c "journalctl -q -u llm-schedd -o cat | grep -q 'scheduler llm_sched attached'"
check "  but not among its errors" sh -c "! journalctl -q -p err -u llm-schedd -o cat | grep -q 'attached'"
check "  and it carries SYSLOG_IDENTIFIER=llm-schedd" \
    sh -c "journalctl -q -p err -u llm-schedd -o verbose | grep -q 'SYSLOG_IDENTIFIER=llm-schedd'"
check "  while generation 2 stays live ($(gen))" test "$(gen)" = 2
cp /tmp/good.json /etc/llm-schedd/policy.json
systemctl reload llm-schedd
# The file watch may reload it too: one generation or two.
for i in $(seq 50); do [ "$(gen)" -ge 3 ] && break; sleep 0.1; done
check "the good policy back: a new generation ($(gen))" test "$(gen)" -ge 3

check "WatchdogSec=10s reached the daemon" test "$(prop WatchdogUSec)" = 10s
note "waiting 22 s: without pings systemd would kill the daemon after 10 s"
sleep 22
check "after 22 s: still the same pid, no restarts ($(prop MainPID), NRestarts=$(prop NRestarts))" \
    test "$(prop MainPID)" = "$pid" -a "$(prop NRestarts)" = 0

kill -9 "$pid"
for i in $(seq 100); do
    np=$(prop MainPID)
    [ "$np" != 0 ] && [ "$np" != "$pid" ] && [ "$(prop ActiveState)" = active ] && break
    sleep 0.1
done
check "kill -9: Restart=on-failure brings it back (pid $pid -> $np, NRestarts=$(prop NRestarts))" \
    test "$(prop NRestarts)" = 1 -a "$(prop ActiveState)" = active
check "  and llm_sched is attached again" wait_state enabled 50

t0=$(now_ms)
systemctl stop llm-schedd
t1=$(now_ms)
metric systemctl_stop_ms $((t1 - t0))
check "systemctl stop: inactive ($(prop ActiveState)) in $((t1 - t0)) ms" test "$(prop ActiveState)" = inactive
check "  and sched_ext is disabled" test "$(scx_state)" = disabled
check "  and the exit was clean (Result=$(prop Result))" test "$(prop Result)" = success
check "  the hugetlbfs mount is gone from the host's namespace" sh -c "! grep -q ' /dev/hugepages-llm ' /proc/1/mountinfo"
check "  and so is its directory, which the daemon made" test ! -e /dev/hugepages-llm
check "  the policy's sysctls are back ($(cat /proc/sys/vm/swappiness))" test "$(cat /proc/sys/vm/swappiness)" = "$swappiness0"
check "  llm.slice is gone" test ! -e /sys/fs/cgroup/llm.slice
check "  and the placed process is back where it was ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = "$pre_cg"
kill $pre
echo "--- journalctl -u llm-schedd"; journalctl -q -u llm-schedd -o short-monotonic --no-pager | tail -n 30
