# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the host memory benchmarks: llm-schedd in memory-only mode
# (scheduler off) reserves a 2 MiB hugetlb pool and mounts hugetlbfs, as a
# policy on that host would, so a benchmark measures what a workload there
# gets. The daemon restores everything when stopped.
#
#   start_memory_daemon BUILD OUT MNT PAGES [EXTRA]   (EXTRA: more "memory" keys, JSON, ending in a comma)
#   stop_memory_daemon                                (also at exit)
start_memory_daemon() {
    local build="$1" out="$2" mnt="$3" pages="$4" extra="${5:-}"
    cat >"$out/policy.json" <<J
{ "scheduler": { "enabled": false },
  "classes": [ { "name": "all", "match": [ { "default": true } ] } ],
  "memory": { $extra
              "hugetlb": [ { "page_size": "2M", "pages": $pages, "required": true } ],
              "compact_retry_ms": 5000,
              "hugetlbfs": [ { "path": "$mnt", "page_size": "2M", "mode": "0755" } ] } }
J
    "$build/llm-schedd" --config "$out/policy.json" --socket "$out/control.sock" --state-dir "$out/state" \
        >"$out/daemon.log" 2>&1 &
    memory_daemon_pid=$!
    trap stop_memory_daemon EXIT
    for _ in $(seq 100); do grep -q " $mnt " /proc/self/mountinfo && return 0; sleep 0.1; done
    echo "the daemon did not mount $mnt:"; cat "$out/daemon.log"; exit 1
}

stop_memory_daemon() {
    kill "$memory_daemon_pid" 2>/dev/null || true
    wait "$memory_daemon_pid" 2>/dev/null || true
    trap - EXIT
}
