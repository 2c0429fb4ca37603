// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "report/stats_prometheus.h"

using namespace llm::sched;

namespace {

// The metric names the daemon's /metrics can carry: every family it
// declares, with a histogram's _bucket, _sum and _count series.
std::set<std::string> exported_names()
{
    ClassReport r{"train", 90, {}, {}};
    r.per_cpu.resize(1);
    llm_sched_stats ss{};
    auto text = format_prometheus({r}, DaemonCounters{}, {{"SCX_EV_BYPASS_DURATION", 1}}, &ss);
    std::set<std::string> names;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_match(line, m, std::regex(R"(# TYPE (\S+) (\S+))")))
            continue;
        names.insert(m[1]);
        if (m[2] == "histogram")
            for (const char* suffix : {"_bucket", "_sum", "_count"})
                names.insert(m[1].str() + suffix);
    }
    return names;
}

void collect_exprs(const nlohmann::json& j, std::vector<std::string>& out)
{
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (k == "expr" && v.is_string())
                out.push_back(v.get<std::string>());
            else
                collect_exprs(v, out);
        }
    } else if (j.is_array()) {
        for (const auto& v : j)
            collect_exprs(v, out);
    }
}

}  // namespace

TEST_CASE("dashboard: every metric dashboards/llm-schedd.json queries is one the daemon exports")
{
    std::ifstream f(std::string(LLM_SOURCE_DIR) + "/dashboards/llm-schedd.json");
    REQUIRE(f.good());
    auto dash = nlohmann::json::parse(f);
    std::vector<std::string> exprs;
    collect_exprs(dash, exprs);
    REQUIRE(exprs.size() >= 10);
    auto names = exported_names();
    REQUIRE(names.count("llm_schedd_class_wait_seconds_bucket") == 1);
    std::set<std::string> queried;
    for (const auto& e : exprs) {
        std::regex metric(R"(llm_schedd_[a-z_]+)");
        for (auto it = std::sregex_iterator(e.begin(), e.end(), metric); it != std::sregex_iterator(); ++it)
            queried.insert(it->str());
    }
    for (const auto& q : queried) {
        INFO("the dashboard queries " << q);
        CHECK(names.count(q) == 1);
    }
    // The panels the operator asked for are there.
    for (const char* m : {"llm_schedd_class_runtime_seconds_total", "llm_schedd_class_wait_seconds_bucket",
                          "llm_schedd_class_starvation_rescues_total", "llm_schedd_class_phase_migrations_total",
                          "llm_schedd_ejections_total", "llm_schedd_reloads_total", "llm_schedd_settings_drifted"}) {
        INFO("no panel queries " << m);
        CHECK(queried.count(m) == 1);
    }
}
