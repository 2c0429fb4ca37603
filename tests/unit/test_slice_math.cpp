// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "llm_schedd/slice_math.h"

namespace {

llm_class history_class()
{
    llm_class c{};
    c.slice_mode = LLM_SLICE_HISTORY;
    c.slice_ns = 20'000'000;
    c.slice_min_ns = 500'000;
    c.slice_max_ns = 20'000'000;
    c.ewma_q10 = 256;   // 0.25
    c.scale_q10 = 1536; // 1.5
    return c;
}

}  // namespace

TEST_CASE("EWMA seeds with the first sample and moves by the weight")
{
    CHECK(llm_ewma_update(0, 1000, 256, 0) == 1000);
    CHECK(llm_ewma_update(1000, 2000, 256, 1) == 1250);
    CHECK(llm_ewma_update(2000, 1000, 256, 1) == 1750);
    CHECK(llm_ewma_update(5, 7, 1024, 3) == 7);
}

TEST_CASE("a CPU-bound task converges to the max slice")
{
    auto c = history_class();
    uint64_t ewma = 0, n = 0, slice = c.slice_ns;
    for (int i = 0; i < 50; ++i) {
        ewma = llm_ewma_update(ewma, slice, c.ewma_q10, n++);  // runs its whole slice
        slice = llm_slice_for(&c, ewma, n);
    }
    CHECK(slice == c.slice_max_ns);
}

TEST_CASE("a task with 100us bursts gets the min slice")
{
    auto c = history_class();
    uint64_t ewma = 0, n = 0;
    for (int i = 0; i < 20; ++i)
        ewma = llm_ewma_update(ewma, 100'000, c.ewma_q10, n++);
    CHECK(ewma == 100'000);
    CHECK(llm_slice_for(&c, ewma, n) == c.slice_min_ns);
}

TEST_CASE("mid-range bursts get scale times the average")
{
    auto c = history_class();
    CHECK(llm_slice_for(&c, 2'000'000, 5) == 3'000'000);
}

TEST_CASE("fixed mode and unseeded history use slice_ns")
{
    auto c = history_class();
    CHECK(llm_slice_for(&c, 123, 0) == c.slice_ns);
    c.slice_mode = LLM_SLICE_FIXED;
    c.slice_ns = 4'000'000;
    CHECK(llm_slice_for(&c, 100'000, 10) == 4'000'000);
}

TEST_CASE("latency buckets are log2 of nanoseconds")
{
    CHECK(llm_lat_bucket(0) == 0);
    CHECK(llm_lat_bucket(1) == 0);
    CHECK(llm_lat_bucket(2) == 1);
    CHECK(llm_lat_bucket(1023) == 9);
    CHECK(llm_lat_bucket(1024) == 10);
    CHECK(llm_lat_bucket(~0ull) == LLM_LAT_BUCKETS - 1);
}

TEST_CASE("phases are read from the reserved timer slack values only")
{
    CHECK(llm_phase_from_slack(50'000) == LLM_PHASE_NONE);
    CHECK(llm_phase_from_slack(LLM_PHASE_SLACK_FORWARD) == LLM_PHASE_FORWARD);
    CHECK(llm_phase_from_slack(LLM_PHASE_SLACK_BACKWARD) == LLM_PHASE_BACKWARD);
    CHECK(llm_phase_from_slack(LLM_PHASE_SLACK_BASE) == LLM_PHASE_NONE);
    CHECK(llm_phase_from_slack(LLM_PHASE_SLACK_BASE + 3) == LLM_PHASE_NONE);
    CHECK_FALSE(llm_slack_is_mark(LLM_PHASE_SLACK_BASE + 3));
    CHECK_FALSE(llm_slack_is_mark(LLM_PHASE_SLACK_BASE + LLM_PHASE_SLACK_CODES));
    CHECK_FALSE(llm_slack_is_mark(LLM_PHASE_SLACK_BASE - 1));
}

TEST_CASE("every mark differs from the slack it replaces, and says its phase and scope")
{
    for (__u32 phase : {LLM_PHASE_NONE, LLM_PHASE_FORWARD, LLM_PHASE_BACKWARD})
        for (int process : {0, 1})
            for (__u64 current : {50'000ull, 0ull, LLM_PHASE_SLACK_FORWARD, LLM_PHASE_SLACK_BACKWARD,
                                  LLM_PHASE_SLACK_BASE + 15, LLM_PHASE_SLACK_BASE + 4, LLM_PHASE_SLACK_BASE + 3}) {
                __u64 m = llm_slack_mark(phase, process, current);
                INFO(phase << " " << process << " " << current);
                CHECK(m != current);
                CHECK(llm_slack_is_mark(m));
                CHECK(llm_phase_from_slack(m) == phase);
                CHECK(llm_slack_is_process(m) == process);
                // Marking the same phase again is a change too.
                CHECK(llm_slack_mark(phase, process, m) != m);
                CHECK(llm_slack_mark(phase, process, llm_slack_mark(phase, process, m)) == m);
            }
}

TEST_CASE("cpumask test is bounded")
{
    llm_cpumask m{};
    m.bits[1] = 1ull << 3;  // CPU 67
    CHECK(llm_cpumask_test(&m, 67));
    CHECK_FALSE(llm_cpumask_test(&m, 66));
    CHECK_FALSE(llm_cpumask_test(&m, 100000));
}
