# configs/llm-schedd.service under the real systemd (PID 1 in the guest),
# installed as an operator would: Type=notify start with STATUS, sandbox
# and capability bounding set in force, ExecReload, the watchdog kept fed,
# Restart=on-failure after a kill -9, and a clean stop.
# systemd: yes
# timeout: 300

cp configs/default.json /etc/llm-schedd/policy.json
prop() { systemctl show -p "$1" --value llm-schedd; }
gen() { llm-schedctl status --json | sed -n 's/^  "generation": \([0-9]*\),*/\1/p'; }

systemctl start llm-schedd
check "systemctl start returns with the unit active ($(prop ActiveState)/$(prop SubState))" \
    test "$(prop ActiveState)" = active
check "llm_sched is attached (state $(scx_state), ops $(scx_ops))" test "$(scx_state)/$(scx_ops)" = enabled/llm_sched
check "STATUS from sd_notify: $(prop StatusText)" sh -c "systemctl show -p StatusText --value llm-schedd | grep -q 'generation 1 live; llm_sched attached'"
pid=$(prop MainPID)
note "main pid $pid; CapBnd $(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)"
# CAP_CHOWN (0), CAP_SYS_ADMIN (21), CAP_PERFMON (38), CAP_BPF (39).
check "capability bounding set is exactly CHOWN SYS_ADMIN PERFMON BPF" \
    test "$(awk '/^CapBnd/ { print $2 }' /proc/$pid/status)" = 000000c000200001
check "NoNewPrivs is set" test "$(awk '/^NoNewPrivs/ { print $2 }' /proc/$pid/status)" = 1
check "ProtectSystem=strict: /usr is read-only for the daemon" \
    sh -c "grep -E ' /usr | / ' /proc/$pid/mountinfo | grep -q ' ro[ ,]'"
check "the control socket answers from outside the sandbox" llm-schedctl status

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
echo "--- /var/log/llm-schedd.log"; tail -n 20 /var/log/llm-schedd.log
