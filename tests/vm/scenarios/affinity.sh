# SPDX-License-Identifier: GPL-2.0-only
# A task's own affinity wins: pinned by taskset to CPU 3 in a class whose
# forward set is 0-1, it runs only on CPU 3 and the fallback is counted.
# timeout: 120

start_daemon configs/default.json || return
taskset -c 3 llm-demo --threads 1 --seconds 4 --swap-at 100 --forward 0-1 --backward 2-3 >/tmp/aff 2>&1
note "$(cat /tmp/aff)"
check "the forward thread ran only on CPU 3" grep -q 'fwd cpus 3 bwd cpus -$' /tmp/aff
fb=$(class_stat llm affinity_fallbacks)
metric affinity_fallbacks "$fb"
check "affinity fallbacks were counted ($fb)" test "${fb:-0}" -gt 0
