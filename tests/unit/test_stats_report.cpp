// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "report/stats_prometheus.h"
#include "report/stats_report.h"

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
    r.total.phase_borrows = 6;
    r.total.runtime_ns = 2'000'000'000;
    r.total.lat_hist[10] = 10;  // all waits in [1024, 2048) ns
    r.per_cpu.resize(3);
    r.per_cpu[2].enqueues = 10;
    r.per_cpu[2].runtime_ns = 2'000'000'000;
    auto table = format_stats_table({r});
    CHECK(table.find("train") != std::string::npos);
    CHECK(table.find("2.0s") != std::string::npos);
    CHECK(table.find("<2us") != std::string::npos);
    CHECK(table.find("borrows") != std::string::npos);

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
    CHECK(c["phase_borrows"] == 6);
    CHECK(c["wait_p50_ns"] == 2048);
    CHECK(c["wait_hist_log2_ns"].size() == LLM_LAT_BUCKETS);
    CHECK(j["kernel_events"]["SCX_EV_X"] == 5);
    REQUIRE(c["per_cpu"].size() == 1);  // idle CPUs are left out
    CHECK(c["per_cpu"][0]["cpu"] == 2);
    CHECK(c["per_cpu"][0]["enqueues"] == 10);
}

TEST_CASE("Prometheus text: counters per class, per-CPU runtime, a cumulative wait histogram")
{
    ClassReport r{"tr\"ain", 90, {}, {}};
    r.total.enqueues = 10;
    r.total.wait_ns = 3'000'000'000;
    r.total.lat_hist[10] = 3;                   // [1024, 2048) ns
    r.total.lat_hist[20] = 2;                   // ~1 ms
    r.total.lat_hist[LLM_LAT_BUCKETS - 1] = 1;  // clamped: only +Inf may count it
    r.per_cpu.resize(2);
    r.per_cpu[1].runtime_ns = 1'500'000'000;
    DaemonCounters d;
    d.generation = 7;
    d.attached = true;
    d.reloads_refused = 2;
    auto text = format_prometheus({r}, d, {{"SCX_EV_BYPASS_DURATION", 5}});
    auto has = [&](const std::string& line) { return text.find(line + "\n") != std::string::npos; };
    CHECK(has("llm_schedd_policy_generation 7"));
    CHECK(has("llm_schedd_scheduler_attached 1"));
    CHECK(has("llm_schedd_reloads_total{result=\"refused\"} 2"));
    CHECK(has("llm_schedd_class_enqueues_total{class=\"tr\\\"ain\"} 10"));
    CHECK(has("llm_schedd_class_runtime_seconds_total{class=\"tr\\\"ain\",cpu=\"1\"} 1.5"));
    CHECK(text.find("cpu=\"0\"") == std::string::npos);  // idle CPUs are left out
    CHECK(has("llm_schedd_class_wait_seconds_bucket{class=\"tr\\\"ain\",le=\"2.048e-06\"} 3"));
    CHECK(has("llm_schedd_class_wait_seconds_bucket{class=\"tr\\\"ain\",le=\"0.002097152\"} 5"));
    CHECK(has("llm_schedd_class_wait_seconds_bucket{class=\"tr\\\"ain\",le=\"2.147483648\"} 5"));
    CHECK(has("llm_schedd_class_wait_seconds_bucket{class=\"tr\\\"ain\",le=\"+Inf\"} 6"));
    CHECK(has("llm_schedd_class_wait_seconds_count{class=\"tr\\\"ain\"} 6"));
    CHECK(has("llm_schedd_class_wait_seconds_sum{class=\"tr\\\"ain\"} 3"));
    CHECK(has("llm_schedd_kernel_sched_ext_events_total{event=\"SCX_EV_BYPASS_DURATION\"} 5"));
    // Every family is declared once, before its samples.
    CHECK(text.find("# TYPE llm_schedd_class_wait_seconds histogram") < text.find("llm_schedd_class_wait_seconds_bucket"));
}
