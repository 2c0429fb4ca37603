#include <catch2/catch_test_macros.hpp>

#include "sched/stats_report.h"

using namespace llm::sched;

TEST_CASE("durations print in the largest sensible unit")
{
    CHECK(human_ns(999) == "1us");
    CHECK(human_ns(262'144) == "262us");
    CHECK(human_ns(4'200'000) == "4.2ms");
    CHECK(human_ns(1'500'000'000) == "1.5s");
}

TEST_CASE("stats table and JSON carry every counter")
{
    ClassReport r{"train", 90, {}, {}};
    r.total.enqueues = 10;
    r.total.dispatches = 9;
    r.total.preemptions = 3;
    r.total.starvation_rescues = 2;
    r.total.phase_migrations = 1;
    r.total.affinity_fallbacks = 4;
    r.total.runtime_ns = 2'000'000'000;
    r.total.lat_hist[10] = 10;  // all waits in [1024, 2048) ns
    r.per_cpu.resize(3);
    r.per_cpu[2].enqueues = 10;
    r.per_cpu[2].runtime_ns = 2'000'000'000;
    auto table = format_stats_table({r});
    CHECK(table.find("train") != std::string::npos);
    CHECK(table.find("2.0s") != std::string::npos);
    CHECK(table.find("<2us") != std::string::npos);

    auto j = stats_json({r}, 7, {{"SCX_EV_X", 5}});
    CHECK(j["generation"] == 7);
    const auto& c = j["classes"][0];
    CHECK(c["name"] == "train");
    CHECK(c["priority"] == 90);
    CHECK(c["enqueues"] == 10);
    CHECK(c["dispatches"] == 9);
    CHECK(c["preemptions"] == 3);
    CHECK(c["starvation_rescues"] == 2);
    CHECK(c["phase_migrations"] == 1);
    CHECK(c["affinity_fallbacks"] == 4);
    CHECK(c["wait_p50_ns"] == 2048);
    CHECK(c["wait_hist_log2_ns"].size() == LLM_LAT_BUCKETS);
    CHECK(j["kernel_events"]["SCX_EV_X"] == 5);
    REQUIRE(c["per_cpu"].size() == 1);  // idle CPUs are left out
    CHECK(c["per_cpu"][0]["cpu"] == 2);
    CHECK(c["per_cpu"][0]["enqueues"] == 10);
}
