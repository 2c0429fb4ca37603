#include "sched/stats_report.h"

#include <cstdio>

#include "sched/latency.h"

namespace llm::sched {

std::string human_ns(uint64_t ns)
{
    char buf[32];
    if (ns >= 1'000'000'000)
        std::snprintf(buf, sizeof(buf), "%.1fs", static_cast<double>(ns) / 1e9);
    else if (ns >= 1'000'000)
        std::snprintf(buf, sizeof(buf), "%.1fms", static_cast<double>(ns) / 1e6);
    else
        std::snprintf(buf, sizeof(buf), "%.0fus", static_cast<double>(ns) / 1e3);
    return buf;
}

std::string format_stats_table(const std::vector<ClassReport>& classes)
{
    std::string out;
    char line[256];
    std::snprintf(line, sizeof(line), "%-14s %4s %9s %10s %10s %8s %7s %9s %8s %9s %9s\n", "class", "prio",
                  "runtime", "enqueues", "dispatch", "preempt", "rescue", "phase-mig", "aff-fall", "wait-p50",
                  "wait-p99");
    out += line;
    for (const auto& c : classes) {
        const auto& t = c.total;
        std::snprintf(line, sizeof(line), "%-14s %4u %9s %10llu %10llu %8llu %7llu %9llu %8llu %9s %9s\n",
                      c.name.c_str(), c.priority, human_ns(t.runtime_ns).c_str(),
                      static_cast<unsigned long long>(t.enqueues), static_cast<unsigned long long>(t.dispatches),
                      static_cast<unsigned long long>(t.preemptions),
                      static_cast<unsigned long long>(t.starvation_rescues),
                      static_cast<unsigned long long>(t.phase_migrations),
                      static_cast<unsigned long long>(t.affinity_fallbacks),
                      ("<" + human_ns(latency_quantile_ns(t.lat_hist, 0.5))).c_str(),
                      ("<" + human_ns(latency_quantile_ns(t.lat_hist, 0.99))).c_str());
        out += line;
    }
    return out;
}

namespace {

nlohmann::json counters_json(const llm_class_stats& t)
{
    return {{"enqueues", t.enqueues},
            {"dispatches", t.dispatches},
            {"preemptions", t.preemptions},
            {"starvation_rescues", t.starvation_rescues},
            {"phase_migrations", t.phase_migrations},
            {"affinity_fallbacks", t.affinity_fallbacks},
            {"runtime_ns", t.runtime_ns},
            {"wait_ns", t.wait_ns}};
}

}  // namespace

nlohmann::json stats_json(const std::vector<ClassReport>& classes, uint64_t generation,
                          const std::map<std::string, unsigned long long>& kernel_events)
{
    nlohmann::json j;
    j["generation"] = generation;
    j["classes"] = nlohmann::json::array();
    for (const auto& c : classes) {
        const auto& t = c.total;
        auto cj = counters_json(t);
        cj["name"] = c.name;
        cj["priority"] = c.priority;
        cj["wait_p50_ns"] = latency_quantile_ns(t.lat_hist, 0.5);
        cj["wait_p99_ns"] = latency_quantile_ns(t.lat_hist, 0.99);
        cj["wait_hist_log2_ns"] = std::vector<uint64_t>(std::begin(t.lat_hist), std::end(t.lat_hist));
        cj["per_cpu"] = nlohmann::json::array();
        for (size_t cpu = 0; cpu < c.per_cpu.size(); ++cpu) {
            const auto& v = c.per_cpu[cpu];
            if (!v.enqueues && !v.dispatches && !v.runtime_ns)
                continue;  // CPUs the class never used
            auto pc = counters_json(v);
            pc["cpu"] = cpu;
            cj["per_cpu"].push_back(std::move(pc));
        }
        j["classes"].push_back(std::move(cj));
    }
    j["kernel_events"] = kernel_events;
    return j;
}

}  // namespace llm::sched
