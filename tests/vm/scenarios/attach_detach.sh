# SPDX-License-Identifier: GPL-2.0-only
# llm_sched attaches from the default policy, every task is on it, no BPF
# object is pinned, and SIGTERM detaches it within 2 s with exit code 0.
# Then kill -9: the kernel detaches within 2 s, tasks keep running, and a
# new daemon attaches again.
# timeout: 150
# kernel-subset: yes

mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf
start_daemon configs/default.json || return
check "no BPF object pinned (everything lives and dies with the daemon's fds)" \
    test "$(find /sys/fs/bpf -mindepth 1 | wc -l)" -eq 0
check "state is enabled" test "$(scx_state)" = enabled
check "root/ops is llm_sched" test "$(scx_ops)" = llm_sched
check "switch_all is set (every SCHED_NORMAL task is on sched_ext)" test "$(cat /sys/kernel/sched_ext/switch_all)" = 1
check "no task was rejected" test "$(cat /sys/kernel/sched_ext/nr_rejected)" = 0

# Every userspace and kernel task that is not in another class reports
# ext.enabled in /proc/PID/sched (or, on kernels without the field, its
# policy is SCHED_NORMAL/BATCH/IDLE, which switch_all moves).
off=0; total=0
for d in /proc/[0-9]*; do
    s="$d/sched"; [ -r "$s" ] || continue
    pol=$(awk '$1 == "policy" { print $3 }' "$s")
    case "$pol" in 0|3|5) ;; *) continue ;; esac
    total=$((total + 1))
    if grep -q '^ext.enabled' "$s"; then
        grep -Eq '^ext.enabled +: +1' "$s" || { off=$((off + 1)); note "not on sched_ext: $d $(cat $d/comm)"; }
    fi
done
metric tasks_checked "$total"
check "all $total fair-policy tasks are on llm_sched" test "$off" -eq 0

# status names the kfunc generation the program picked on this kernel, and
# what the kernel lacks: 6.12 has the old names and no event counters.
kf=$(llm-schedctl status --json | jq -r '.scheduler.kernel.kfuncs // "none"')
ev=$(llm-schedctl status --json | jq -r '.scheduler.kernel.event_counters')
note "kernel $(uname -r): kfuncs $kf; event counters $ev"
# 7.1+ kernels export the enqueue-flag variants as ___v2 beside the old
# names; libbpf 1.4 (bookworm-backports) matches an extern by its name
# without the ___ suffix, so it binds the old ones there. Either is right
# on 7.1+, only the old names before it.
also=""
case "$(uname -r)" in
    6.12.*) want="6.12 "; want_ev=false ;;
    6.1[3-4].*) want="6.13+ "; want_ev=false ;;
    6.*|7.0.*) want="6.13+ "; want_ev=true ;;
    *) want="6.13+ "; also="7.1+ "; want_ev=true ;;
esac
check "status names this kernel's kfuncs ($want${also:+or $also}...)" \
    test "${kf#"$want"}" != "$kf" -o \( -n "$also" -a "${kf#"$also"}" != "$kf" \)
check "  and says whether it has event counters ($want_ev)" test "$ev" = "$want_ev"
if [ "$want_ev" = false ]; then
    check "  which it does not: no /sys/kernel/sched_ext/root/events" test ! -e /sys/kernel/sched_ext/root/events
fi

stop_daemon
metric detach_ms "$STOP_MS"
check "state is disabled after SIGTERM" test "$(scx_state)" = disabled
check "detached within 2 s (took ${STOP_MS} ms)" test "$STOP_MS" -le 2000
check "daemon exit code 0 (got $DAEMON_RC)" test "$DAEMON_RC" -eq 0

# kill -9: nothing of the daemon survives to detach; the kernel does it.
start_daemon configs/default.json || return
schedprobe spin --seconds 3 >/tmp/spin.txt &
spin=$!
sleep 0.5
t0=$(now_ms)
kill -9 "$DAEMON_PID"
wait_state disabled 50
t1=$(now_ms)
wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=
metric kill9_detach_ms $((t1 - t0))
check "kill -9: state disabled within 2 s ($((t1 - t0)) ms)" test "$(scx_state)" = disabled -a $((t1 - t0)) -le 2000
wait "$spin"
gap=$(sed -n 's/.*max_gap_us=\([0-9]*\).*/\1/p' /tmp/spin.txt)
note "$(cat /tmp/spin.txt)"
check "  a task spinning through it was never off the CPU for 1 s (longest gap ${gap:-?} us)" test "${gap:-9999999}" -lt 1000000
start_daemon configs/default.json || return
check "a new daemon attaches again" test "$(scx_ops)" = llm_sched
stop_daemon
check "  and stops cleanly (rc $DAEMON_RC)" test "$DAEMON_RC" -eq 0
