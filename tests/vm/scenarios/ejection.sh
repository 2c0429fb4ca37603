# SPDX-License-Identifier: GPL-2.0-only
# A scheduler error (test-only policy flag: scx_bpf_error after 3000
# dispatches) is logged with the kernel's reason, re-attached with backoff
# twice, and then the daemon runs on without llm_sched and says so.
# allow-ejection: yes
# timeout: 240

start_daemon data/ejection.json || return
# Three attach-and-fault cycles take about 13 s each under the emulator.
stress-ng --cpu 2 --timeout 120s >/dev/null 2>&1 &
load=$!
for i in $(seq 1000); do grep -q 'running on without llm_sched' "$DAEMON_LOG" && break; sleep 0.1; done
kill "$load" 2>/dev/null; wait "$load"
grep -E 'ejected|re-attach|running on without|attached' "$DAEMON_LOG" | sed 's/^/note: /'
check "the kernel's exit reason and message were logged" grep -q 'ejected by the kernel: BPF error.*injected test fault' "$DAEMON_LOG"
check "it re-attached twice" test "$(grep -c 'scheduler llm_sched attached' "$DAEMON_LOG")" -eq 3
check "then fell back and said so" grep -q 'running on without llm_sched' "$DAEMON_LOG"
check "state is disabled" test "$(scx_state)" = disabled
check "the daemon lives on" kill -0 "$DAEMON_PID"
