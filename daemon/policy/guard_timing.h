// SPDX-License-Identifier: GPL-2.0-only
// The starvation guard's timing, from starvation_ms and guard_share_pct.
// Pure; bpf/guard.bpf.h explains how these bound a wait.
#pragma once

#include <cstdint>

namespace llm::policy {

struct GuardTiming {
    uint64_t period_ns = 0;  // windows start at multiples of this on every CPU
    uint64_t wait_ns = 0;    // a waiter queued this long is overdue
    uint64_t slice_ns = 0;   // what an overdue waiter gets per rescue
    uint64_t share_ns = 0;   // per window and CPU, for the classes below a busy one
};

// Overdue at half the bound, windows every quarter of it, rescues of
// S/200 between 100 us and 1 ms: wait <= S/2 + S/4 + a tick + k rescues.
GuardTiming guard_timing(uint64_t starvation_ns, unsigned share_pct);

// Overdue waiters per CPU and window that still meet the bound, with ticks
// of tick_ns: (S - W - P - tick) / R.
uint64_t guard_capacity(const GuardTiming& g, uint64_t starvation_ns, uint64_t tick_ns);

}  // namespace llm::policy
