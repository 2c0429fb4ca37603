# SPDX-License-Identifier: GPL-2.0-only
# Helpers for VM scenarios (sourced by /init before the scenario).
# A scenario calls check/fail/note; the last line says PASS or FAIL.

LIB_FAILS=0
LIB_PASSES=0
DAEMON_PID=
DAEMON_LOG=/tmp/llm-schedd.log

note() { echo "note: $*"; }
fail() { echo "FAIL: $*"; LIB_FAILS=$((LIB_FAILS + 1)); }
pass() { echo "ok: $*"; LIB_PASSES=$((LIB_PASSES + 1)); }

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
    chrt -o 0 llm-schedd --config "$cfg" "$@" >"$DAEMON_LOG" 2>&1 &
    DAEMON_PID=$!
    # 45 s: 6.12's verifier takes about 5 s on an idle emulated CPU, and
    # several times that beside the CPU hogs some scenarios start first.
    if ! wait_state enabled 450 "$DAEMON_PID"; then
        fail "llm_sched did not become enabled within 45 s"
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

# class_stat CLASS FIELD: one counter of `llm-schedctl stats --json`,
# summed over CPUs (the class's total).
class_stat() {
    llm-schedctl stats --json | jq -r --arg c "$1" --arg f "$2" '.classes[] | select(.name == $c) | .[$f]'
}

# sched_stat FIELD: a scheduler-wide counter ("scheduler" or
# "kernel_threads" object of `llm-schedctl stats --json`), e.g.
# sched_stat scheduler.guard_windows.
sched_stat() {
    llm-schedctl stats --json | jq -r ".$1"
}

# task_field PID FIELD: one field of `llm-schedctl task PID --json`.
task_field() {
    rt llm-schedctl task "$1" --json | jq -r ".$2"
}

# rt CMD...: runs a probe as SCHED_FIFO, above sched_ext, so reading the
# scheduler's state under a load that fills every CPU takes no time.
rt() { chrt -f 1 "$@"; }

# harness_rt: the scenario's own shell becomes SCHED_FIFO, so its timing
# (sleep, then read) holds under a load that fills every CPU with tasks of
# classes the guard serves only now and then. Workloads it starts must
# then go through `$NORMAL CMD &` to run under sched_ext (a variable, not a
# function: a backgrounded function is a subshell, and $! its pid), and
# the daemon is started the same way (start_daemon does it).
# ($$ is /init's pid in the scenario's subshell; /proc/self, read by the
# shell itself, is this shell.)
harness_rt() { local me _; read -r me _ </proc/self/stat; chrt -f -p 1 "$me" >/dev/null; }
NORMAL="chrt -o 0"

# noise_on N: N CPU-bound threads (comm "noise", under sched_ext) until
# noise_off; the benchmarks' CPU oversubscription.
noise_on() { noise=; for _ in $(seq "$1"); do $NORMAL schedprobe spin --comm noise --seconds 3000 >/dev/null & noise="$noise $!"; done; sleep 1; }
noise_off() { kill $noise 2>/dev/null; wait $noise 2>/dev/null; }

# swap_on MIB: a zram swap device of MIB MiB (scenarios with "# swap: yes";
# mkswap-cpio.sh brings the modules). The guest's only possible swap: it
# has no disk.
swap_on() {
    local m
    for m in $(cat /lib/modules/swap/order); do insmod /lib/modules/swap/$m.ko || return 1; done
    echo "${1}M" >/sys/block/zram0/disksize && mkswap /dev/zram0 >/dev/null && swapon /dev/zram0
}

# kv LINE KEY: the value of KEY=VALUE in a line of such pairs (the tools'
# one-line reports: mapload, tokenlat).
kv() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# llama_server_on PREFIX...: llama-server (scenarios with "# llama: yes") on
# the lane's model, $(nproc) ggml threads, one slot, on 127.0.0.1:8080,
# started through PREFIX (e.g. $NORMAL), until llama_server_off; returns
# once it answers /health. Its pid is $server.
llama_server_on() {
    ip link set lo up
    "$@" llama-server -m "${LLAMA_MODEL:-/models/llama-256x4.gguf}" -t "$(nproc)" -c 512 -np 1 \
        --host 127.0.0.1 --port 8080 >/tmp/llama-server.log 2>&1 &
    server=$!
    tokenlat --wait 120 || { tail -5 /tmp/llama-server.log; llama_server_off; return 1; }
}
llama_server_off() { kill $server 2>/dev/null; wait $server 2>/dev/null; }

lib_finish() {
    if [ -n "$DAEMON_PID" ]; then
        stop_daemon
    fi
    echo "--- daemon log"
    cat "$DAEMON_LOG" 2>/dev/null | tail -n 40
    if [ "$LIB_FAILS" -eq 0 ] && [ "$LIB_PASSES" -eq 0 ]; then
        echo "FAIL: the scenario ran no checks"
        LIB_FAILS=1
    fi
    if [ "$LIB_FAILS" -eq 0 ]; then echo "LLM-VM-RESULT: PASS"; else echo "LLM-VM-RESULT: FAIL ($LIB_FAILS)"; fi
}
