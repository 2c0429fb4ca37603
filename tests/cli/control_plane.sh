#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The daemon's control plane on the host, scheduler off (memory-only mode,
# so no sched_ext is needed): the control socket and who may use it, live
# reload by request, by SIGHUP and by file change (atomic rename, a
# half-written file, a broken file), the metrics endpoint, a second daemon
# refused, and a clean SIGTERM. Needs root (socket ownership); exit 77 skips.
set -uo pipefail
daemon="$1" ctl="$2"
[[ $(id -u) -eq 0 ]] || { echo "needs root"; exit 77; }
tmp="$(mktemp -d)"; chmod 755 "$tmp"
pid=
cleanup() { [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
expect() { local what="$1"; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

sock="$tmp/control.sock" cfg="$tmp/policy.json" log="$tmp/daemon.log"
export LLM_SCHEDD_SOCKET="$sock"
port=$((20000 + RANDOM % 20000))
policy() {  # policy CLASS_NAME [GROUP]
    printf '{ "daemon": { "reload_debounce_ms": 100, "control_group": "%s", "metrics_listen": "127.0.0.1:%d" },\n' \
        "${2:-users}" "$port"
    printf '  "scheduler": { "enabled": false },\n'
    printf '  "classes": [ { "name": "%s", "match": [ { "default": true } ] } ] }\n' "$1"
}
generation() { "$ctl" status --json | sed -n 's/^  "generation": \([0-9]*\),*/\1/p'; }
wait_generation() {  # wait_generation N: up to 3 s
    for _ in $(seq 30); do [[ "$(generation)" == "$1" ]] && return 0; sleep 0.1; done
    return 1
}

policy first >"$cfg"
"$daemon" --config "$cfg" --socket "$sock" >"$log" 2>&1 &
pid=$!
for _ in $(seq 50); do [[ -S "$sock" ]] && break; sleep 0.1; done
expect "status answers over the socket" "$ctl" status >/dev/null
expect "socket is root:users 0660" test "$(stat -c '%U:%G %a' "$sock")" = "root:users 660"
"$daemon" --config "$cfg" --socket "$sock" >"$tmp/second.log" 2>&1; rc=$?
expect "a second daemon exits 1 and says why" grep -q "another llm-schedd answers on $sock" "$tmp/second.log"
expect "  (exit code $rc)" test "$rc" -eq 1

# Peer credentials: a group member reads; only root changes anything.
as_member() { setpriv --reuid=65534 --regid=100 --clear-groups "$@"; }
as_stranger() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
expect "a control-group member may read stats" as_member "$ctl" stats --json >/dev/null
as_member "$ctl" reload >"$tmp/out" 2>&1
expect "a control-group member may not reload" grep -q "needs root (you are uid 65534)" "$tmp/out"
as_stranger "$ctl" status >"$tmp/out" 2>&1
expect "a stranger cannot even connect" grep -q "Permission denied" "$tmp/out"
expect "the refusal is logged" grep -q "refused reload from uid 65534" "$log"
chmod 666 "$sock"  # as if an admin loosened the file: the daemon still checks
as_stranger "$ctl" stats >"$tmp/out" 2>&1
expect "SO_PEERCRED refuses a stranger past a loose file mode" grep -q "neither root nor in the daemon's control group" "$tmp/out"
chmod 660 "$sock"

# Reload by request, by SIGHUP, and by file change.
expect "reload by request" "$ctl" reload >/dev/null
expect "  generation 2" wait_generation 2
kill -HUP "$pid"
expect "reload by SIGHUP: generation 3" wait_generation 3
policy renamed >"$tmp/new.json"; mv "$tmp/new.json" "$cfg"
expect "an atomic-rename save reloads: generation 4" wait_generation 4
expect "  and the new class is live" bash -c "'$ctl' status | grep -q 'classes: renamed'"
touch "$cfg"; sleep 0.4
expect "touching the file changes nothing" test "$(generation)" = 4
head -c 60 "$cfg" >"$tmp/half"; cat "$tmp/half" >"$cfg"
sleep 0.5
expect "a half-written save is refused; generation 4 stays" test "$(generation)" = 4
expect "  and the refusal names line and column" bash -c "'$ctl' status | grep -q 'REFUSED' && '$ctl' status | grep -q 'line [0-9]*, column'"
policy again >"$cfg"
expect "the finished save reloads: generation 5" wait_generation 5
policy broken nosuchgroup >"$cfg"
sleep 0.5
"$ctl" reload >"$tmp/out" 2>&1; rc=$?
expect "a reload with a missing group is refused (rc $rc)" test "$rc" -eq 1
expect "  with the JSON path and a fix" grep -q '/daemon/control_group: group "nosuchgroup" does not exist.*groupadd' "$tmp/out"
expect "  and the daemon lives on generation 5" test "$(generation)" = 5

# Metrics over loopback HTTP.
policy again >"$cfg"; sleep 0.5
exec 3<>"/dev/tcp/127.0.0.1/$port"; printf 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n' >&3
cat <&3 >"$tmp/metrics"; exec 3<&-
expect "GET /metrics answers 200" grep -q "^HTTP/1.1 200 OK" "$tmp/metrics"
expect "  with the live generation" grep -q "^llm_schedd_policy_generation [0-9]" "$tmp/metrics"
expect "stats --prometheus gives the same families" bash -c "'$ctl' stats --prometheus | grep -q '^# TYPE llm_schedd_reloads_total counter'"

# Silent clients: each holds a slot until its 1 s deadline, never the loop.
# 80 silent control connections (past the 64 slots) and 5 silent metrics
# scrapers, then a real request must still be answered at once.
python3 - "$sock" "$port" "$ctl" >"$tmp/silent" 2>&1 <<'PY'
import socket, subprocess, sys, time
path, port, ctl = sys.argv[1], int(sys.argv[2]), sys.argv[3]
silent = []
for _ in range(80):
    s = socket.socket(socket.AF_UNIX); s.connect(path); silent.append(s)
scrapers = [socket.create_connection(("127.0.0.1", port)) for _ in range(5)]
time.sleep(0.2)
t0 = time.monotonic()
ok = subprocess.run([ctl, "status"], capture_output=True).returncode == 0
print("status_ms", int((time.monotonic() - t0) * 1000), "ok", ok)
last = silent[-1]; last.settimeout(3)
print("timeout_reply", last.recv(4096).decode().strip())
oldest = silent[0]; oldest.settimeout(3)
print("oldest_reply", repr(oldest.recv(4096)))
PY
ms=$(sed -n 's/^status_ms \([0-9]*\) ok True$/\1/p' "$tmp/silent")
expect "with 80 silent clients waiting, status still answers (${ms:-no answer} ms)" test -n "$ms" -a "${ms:-9999}" -lt 700
expect "  a silent client gets a timeout error" grep -q '^timeout_reply {"error":"timed out waiting for the request","ok":false}' "$tmp/silent"
expect "  past 64 waiting, the oldest is dropped" grep -q "^oldest_reply b''" "$tmp/silent"

# Stop: SIGTERM ends it within 2 s and removes the socket.
t0=$(date +%s%N); kill -TERM "$pid"; wait "$pid"; rc=$?; t1=$(date +%s%N); pid=
expect "SIGTERM: exit 0 (rc $rc) in $(( (t1 - t0) / 1000000 )) ms" test "$rc" -eq 0 -a $(( (t1 - t0) / 1000000 )) -lt 2000
expect "  and the socket is gone" test ! -e "$sock"
[[ $fails -eq 0 ]] && { echo PASS; exit 0; }
echo "--- daemon log"; cat "$log"
exit 1
