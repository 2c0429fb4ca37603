// SPDX-License-Identifier: GPL-2.0-only
#include "policy/guard_timing.h"

#include <algorithm>

namespace llm::policy {

GuardTiming guard_timing(uint64_t starvation_ns, unsigned share_pct)
{
    GuardTiming g;
    g.wait_ns = starvation_ns / 2;
    g.period_ns = starvation_ns / 4;
    g.slice_ns = std::clamp<uint64_t>(starvation_ns / 200, 100'000, 1'000'000);
    g.share_ns = g.period_ns * std::min(share_pct, 100u) / 100;
    return g;
}

uint64_t guard_capacity(const GuardTiming& g, uint64_t starvation_ns, uint64_t tick_ns)
{
    uint64_t used = g.wait_ns + g.period_ns + tick_ns;
    if (starvation_ns <= used || !g.slice_ns)
        return 0;
    return (starvation_ns - used) / g.slice_ns;
}

}  // namespace llm::policy
