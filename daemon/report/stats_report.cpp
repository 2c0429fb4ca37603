// SPDX-License-Identifier: GPL-2.0-only
#include "report/stats_report.h"

#include <cstdio>

#include "plan/latency.h"

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

std::string format_stats_table(const std::vector<ClassReport>& classes, const llm_sched_stats* sched)
{
    std::string out;
    char line[320];
    std::snprintf(line, sizeof(line), "%-14s %4s %9s %10s %10s %8s %7s %7s %9s %8s %8s %9s %9s\n", "class", "prio",
                  "runtime", "enqueues", "dispatch", "preempt", "rescue", "share", "phase-mig", "borrows", "aff-fall",
                  "wait-p50", "wait-p99");
    out += line;
    auto u = [](uint64_t v) { return static_cast<unsigned long long>(v); };
    for (const auto& c : classes) {
        const auto& t = c.total;
        std::snprintf(line, sizeof(line), "%-14s %4u %9s %10llu %10llu %8llu %7llu %7llu %9llu %8llu %8llu %9s %9s\n",
                      c.name.c_str(), c.priority, human_ns(t.runtime_ns).c_str(), u(t.enqueues), u(t.dispatches),
                      u(t.preemptions), u(t.starvation_rescues), u(t.guard_share_runs), u(t.phase_migrations),
                      u(t.phase_borrows), u(t.affinity_fallbacks), ("<" + human_ns(latency_quantile_ns(t.lat_hist, 0.5))).c_str(),
                      ("<" + human_ns(latency_quantile_ns(t.lat_hist, 0.99))).c_str());
        out += line;
    }
    if (!sched)
        return out;
    const auto& s = *sched;
    std::snprintf(line, sizeof(line), "%-14s %4s %9s %10s %10llu %8s %7s %7s %9s %8s %8s %9s %9s\n", "(kernel)", "-",
                  human_ns(s.kthread_runtime_ns).c_str(), "-", u(s.kthread_runs), "-", "-", "-", "-", "-", "-",
                  ("<" + human_ns(latency_quantile_ns(s.kthread_lat_hist, 0.5))).c_str(),
                  ("<" + human_ns(latency_quantile_ns(s.kthread_lat_hist, 0.99))).c_str());
    out += line;
    std::snprintf(line, sizeof(line),
                  "guard: %llu windows, %llu slices cut, %llu runs ended by their timer; "
                  "CPUs taken by RT/deadline/stop tasks: %llu (%llu waiters moved); "
                  "longest kernel-thread wait %s\n",
                  u(s.guard_windows), u(s.guard_cuts), u(s.slice_timer_kicks), u(s.cpu_releases), u(s.reenqueued),
                  human_ns(s.kthread_wait_max_ns).c_str());
    out += line;
    return out;
}

namespace {

nlohmann::json counters_json(const llm_class_stats& t)
{
    return {{"enqueues", t.enqueues},
            {"dispatches", t.dispatches},
            {"preemptions", t.preemptions},
            {"starvation_rescues", t.starvation_rescues},
            {"guard_share_runs", t.guard_share_runs},
            {"phase_migrations", t.phase_migrations},
            {"phase_borrows", t.phase_borrows},
            {"affinity_fallbacks", t.affinity_fallbacks},
            {"runtime_ns", t.runtime_ns},
            {"wait_ns", t.wait_ns}};
}

}  // namespace

nlohmann::json stats_json(const std::vector<ClassReport>& classes, uint64_t generation,
                          const std::map<std::string, unsigned long long>& kernel_events,
                          const llm_sched_stats* sched)
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
    if (sched) {
        const auto& s = *sched;
        j["scheduler"] = {{"guard_windows", s.guard_windows},
                          {"guard_cuts", s.guard_cuts},
                          {"slice_timer_kicks", s.slice_timer_kicks},
                          {"cpu_releases", s.cpu_releases},
                          {"reenqueued", s.reenqueued},
                          {"marks_dropped", s.marks_dropped}};
        j["kernel_threads"] = {
            {"runs", s.kthread_runs},
            {"runtime_ns", s.kthread_runtime_ns},
            {"wait_max_ns", s.kthread_wait_max_ns},
            {"wait_p50_ns", latency_quantile_ns(s.kthread_lat_hist, 0.5)},
            {"wait_p99_ns", latency_quantile_ns(s.kthread_lat_hist, 0.99)},
            {"wait_hist_log2_ns", std::vector<uint64_t>(std::begin(s.kthread_lat_hist), std::end(s.kthread_lat_hist))}};
    }
    return j;
}

}  // namespace llm::sched
