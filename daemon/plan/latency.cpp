// SPDX-License-Identifier: GPL-2.0-only
#include "plan/latency.h"

#include <cmath>

namespace llm::sched {

uint64_t latency_quantile_ns(const __u64 (&hist)[LLM_LAT_BUCKETS], double q)
{
    uint64_t total = 0;
    for (__u64 v : hist)
        total += v;
    if (total == 0)
        return 0;
    auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total)));
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (int b = 0; b < LLM_LAT_BUCKETS; ++b) {
        seen += hist[b];
        if (seen >= rank)
            return b >= 63 ? UINT64_MAX : (uint64_t{1} << (b + 1));
    }
    return uint64_t{1} << LLM_LAT_BUCKETS;
}

}  // namespace llm::sched
