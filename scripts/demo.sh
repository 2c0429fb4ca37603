#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The main job: installs what it needs, builds llm-schedd, boots the
# sched_ext test kernel under qemu, runs the daemon with
# configs/default.json beside a forward/backward demo workload and CPU
# noise, and shows the scheduler's live stats. About 2 minutes after setup.
#
#   sudo scripts/demo.sh            (DEMO_SECONDS=60 for a longer run)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[[ $(id -u) -eq 0 ]] || exec sudo -E "$0" "$@"
"$root/scripts/setup.sh" >/dev/null
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j"$(nproc)" 2>&1 | grep -E 'error|warning|initramfs' || true
[[ -x "$root/build/llm-schedd" ]] || { echo "demo: build failed"; exit 1; }
if [[ -n "${DEMO_SECONDS:-}" ]]; then
    sed -i "s/^# timeout: .*/# timeout: $((DEMO_SECONDS + 120))/" "$root/build/vm/demo.sh" 2>/dev/null || true
fi
scn="$root/build/vm/demo-scenario.sh"
{ echo "DEMO_SECONDS=${DEMO_SECONDS:-24}"; cat "$root/tests/vm/demo/demo.sh"; } >"$scn"
LLM_VM_LIVE=1 "$root/tests/vm/run-scenario.sh" "$root/build" "$scn"
