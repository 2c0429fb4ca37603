# configs/llm-schedd.service under the real systemd (PID 1 in the guest),
# installed as an operator would: Type=notify start with STATUS, sandbox
# and capability bounding set in force, ExecReload, the watchdog kept fed,
# Restart=on-failure after a kill -9, and a clean stop. The policy has a
# class cgroup and a hugetlbfs mount: from inside the sandbox's own mount
# namespace the mount must still appear in the host's, and the proc
# connector must place a process that execs.
# systemd: yes
# timeout: 300

cp data/systemd_memory.json /etc/llm-schedd/policy.json
for t in trainer-a trainer-b; do cp "$(command -v weights)" /tmp/$t; done
cgroup_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }
/tmp/trainer-a --mode 4k --mb 1 --hold -1 >/dev/null &
pre=$!
pre_cg=$(cgroup_of $pre)
prop() { systemctl show -p "$1" --value llm-schedd; }
gen() { llm-schedctl status --json | sed -n 's/^  "generation": \([0-9]*\),*/\1/p'; }

if ! timeout 60 systemctl start llm-schedd; then
    fail "systemctl start llm-schedd failed"
    systemctl stop llm-schedd; tail -n 30 /var/log/llm-schedd.log; return
fi
check "systemctl start returns with the unit active ($(prop ActiveState)/$(prop SubState))" \
    test "$(prop ActiveState)" = active
check "llm_sched is attached (state $(scx_state), ops $(scx_ops))" test "$(scx_state)/$(scx_ops)" = enabled/llm_sched
check "STATUS from sd_notify: $(prop StatusText)" sh -c "systemctl show -p StatusText --value llm-schedd | grep -q 'generation 1 live; llm_sched attached'"
pid=$(prop MainPID)
note "main pid $pid; CapBnd $(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)"
# CAP_CHOWN (0), CAP_DAC_OVERRIDE (1), CAP_NET_ADMIN (12), CAP_SYS_CHROOT (18),
# CAP_SYS_PTRACE (19), CAP_SYS_ADMIN (21), CAP_PERFMON (38), CAP_BPF (39).
check "capability bounding set is exactly CHOWN DAC_OVERRIDE NET_ADMIN SYS_CHROOT SYS_PTRACE SYS_ADMIN PERFMON BPF" \
    test "$(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)" = 000000c0002c1003
check "NoNewPrivs is set" test "$(awk '/^NoNewPrivs/ { print $2 }' /proc/$pid/status)" = 1
check "ProtectSystem=strict: /usr is read-only for the daemon" \
    sh -c "grep -E ' /usr | / ' /proc/$pid/mountinfo | grep -q ' ro[ ,]'"
check "the control socket answers from outside the sandbox" llm-schedctl status
check "the daemon has a mount namespace of its own" test "$(readlink /proc/$pid/ns/mnt)" != "$(readlink /proc/1/ns/mnt)"
check "yet its hugetlbfs mount is in the host's (PID 1's) namespace" grep -q ' /dev/hugepages-llm .* hugetlbfs ' /proc/1/mountinfo
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
check "  llm.slice is gone" test ! -e /sys/fs/cgroup/llm.slice
check "  and the placed process is back where it was ($(cgroup_of $pre))" test "$(cgroup_of $pre)" = "$pre_cg"
kill $pre
echo "--- /var/log/llm-schedd.log"; tail -n 20 /var/log/llm-schedd.log
