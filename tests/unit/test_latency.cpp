// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "plan/latency.h"

TEST_CASE("quantiles come from the bucket that holds the rank")
{
    __u64 h[LLM_LAT_BUCKETS] = {};
    CHECK(llm::sched::latency_quantile_ns(h, 0.5) == 0);
    h[10] = 90;  // [1024, 2048)
    h[20] = 10;  // [1 Mi, 2 Mi)
    CHECK(llm::sched::latency_quantile_ns(h, 0.5) == 2048);
    CHECK(llm::sched::latency_quantile_ns(h, 0.9) == 2048);
    CHECK(llm::sched::latency_quantile_ns(h, 0.91) == (2u << 20));
    CHECK(llm::sched::latency_quantile_ns(h, 0.99) == (2u << 20));
}
