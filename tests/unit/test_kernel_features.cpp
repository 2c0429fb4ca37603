// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "llm_schedd/intf.h"
#include "report/kernel_features.h"

using llm::report::KernelFeatures;

TEST_CASE("kernel features: 6.12 names its kfunc generation and what it lacks")
{
    KernelFeatures k612{LLM_KF_MIGRATION_FIELD};
    CHECK(llm::report::kfunc_generation(k612).starts_with("6.12 "));
    auto d = llm::report::degraded_features(k612);
    REQUIRE(d.size() == 4);
    CHECK(d[0].find("scx_bpf_now") != std::string::npos);
    CHECK(d[1].find("event counters") != std::string::npos);
    auto j = llm::report::to_json(k612);
    CHECK(j["event_counters"] == false);
    CHECK(j["ext_server"] == false);
    CHECK(d[2].find("deadline server") != std::string::npos);
    CHECK(j["migration_disabled_kept_local_by"] == "llm_sched");
}

TEST_CASE("kernel features: 7.x has every variant and nothing degraded")
{
    KernelFeatures k7{LLM_KF_DSQ_INSERT | LLM_KF_MOVE_TO_LOCAL_V2 | LLM_KF_DSQ_MOVE | LLM_KF_NOW | LLM_KF_CPU_CURR |
                      LLM_KF_MIGRATION_FIELD | LLM_KF_MIGRATION_BY_KERNEL | LLM_KF_EVENTS | LLM_KF_EXT_SERVER};
    CHECK(llm::report::kfunc_generation(k7).starts_with("7.1+ "));
    CHECK(llm::report::degraded_features(k7).empty());
    CHECK(llm::report::to_json(k7)["migration_disabled_kept_local_by"] == "kernel");
}

TEST_CASE("kernel features: 6.13 to 7.0 names")
{
    KernelFeatures k619{LLM_KF_DSQ_INSERT | LLM_KF_DSQ_MOVE | LLM_KF_NOW | LLM_KF_CPU_CURR | LLM_KF_EVENTS |
                        LLM_KF_MIGRATION_BY_KERNEL};
    CHECK(llm::report::kfunc_generation(k619).starts_with("6.13+ "));
    auto d = llm::report::degraded_features(k619);
    REQUIRE(d.size() == 1);  // 6.19: everything but the deadline server
    CHECK(d[0].find("deadline server") != std::string::npos);
}
