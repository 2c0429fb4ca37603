# Helpers for VM scenarios (sourced by /init before the scenario).
# A scenario calls check/fail/note; the last line says PASS or FAIL.

LIB_FAILS=0
DAEMON_PID=
DAEMON_LOG=/tmp/llm-schedd.log

note() { echo "note: $*"; }
fail() { echo "FAIL: $*"; LIB_FAILS=$((LIB_FAILS + 1)); }
pass() { echo "ok: $*"; }

# check "description" command...: passes when the command succeeds.
check() {
    local what="$1"; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}

# metric NAME VALUE: a measured number, collected by the host into the log.
metric() { echo "metric: $1=$2"; }

scx_state() { cat /sys/kernel/sched_ext/state 2>/dev/null || echo absent; }
scx_ops() { cat /sys/kernel/sched_ext/root/ops 2>/dev/null; }

# wait_state STATE TENTHS [PID]: wait up to TENTHS/10 s for sched_ext STATE;
# gives up early when PID (if given) has exited.
wait_state() {
    local want="$1" n="${2:-50}" pid="${3:-}"
    while [ "$n" -gt 0 ]; do
        [ "$(scx_state)" = "$want" ] && return 0
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.1; n=$((n - 1))
    done
    return 1
}

# Monotonic milliseconds.
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }

start_daemon() {
    local cfg="$1"; shift
    llm-schedd --config "$cfg" "$@" >"$DAEMON_LOG" 2>&1 &
    DAEMON_PID=$!
    if ! wait_state enabled 150 "$DAEMON_PID"; then
        fail "llm_sched did not become enabled within 15 s"
        kill -0 "$DAEMON_PID" 2>/dev/null || { wait "$DAEMON_PID"; note "daemon exited with $?"; DAEMON_PID=; }
        tail -n 60 "$DAEMON_LOG"
        return 1
    fi
    return 0
}

# stop_daemon: SIGTERM, wait for exit; prints the ms it took to reach "disabled".
stop_daemon() {
    [ -n "$DAEMON_PID" ] || return 0
    local t0 t1
    t0=$(now_ms)
    kill -TERM "$DAEMON_PID"
    wait_state disabled 50
    t1=$(now_ms)
    wait "$DAEMON_PID"
    DAEMON_RC=$?
    DAEMON_PID=
    STOP_MS=$((t1 - t0))
}

# class_stat CLASS FIELD: one counter of `llm-schedctl stats --json`.
# Keys come sorted, so "name" follows the counters inside each object.
class_stat() {
    llm-schedctl stats --json | awk -v c="$1" -v f="$2" '
        $0 ~ "\"" f "\":" { v = $2; gsub(/[^0-9]/, "", v) }
        $0 ~ "\"name\": \"" c "\"" { found = 1 }
        /^    }/ { if (found) { print v; exit } }'
}

lib_finish() {
    if [ -n "$DAEMON_PID" ]; then
        stop_daemon
    fi
    echo "--- daemon log"
    cat "$DAEMON_LOG" 2>/dev/null | tail -n 40
    if [ "$LIB_FAILS" -eq 0 ]; then echo "LLM-VM-RESULT: PASS"; else echo "LLM-VM-RESULT: FAIL ($LIB_FAILS)"; fi
}
