// SPDX-License-Identifier: GPL-2.0-only
#include "service/class_sizer.h"

#include <spdlog/spdlog.h>

#include "policy/cpu_spec.h"
#include "report/stats_prometheus.h"
#include "policy/units.h"

namespace llm::service {

namespace {

std::string label(const std::string& s) { return sched::prometheus_label(s); }

uint64_t ns(std::chrono::steady_clock::duration d)
{
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count());
}

}  // namespace

void ClassSizer::reset(const LivePolicy& live)
{
    classes_.clear();
    const auto& p = live.policy();
    for (size_t i = 0; i < p.classes.size(); ++i) {
        const auto& c = p.classes[i];
        if (!c.cpu_range || !c.cpus)
            continue;
        const auto& r = *c.cpu_range;
        plan::SizeTuning t{r.min, r.max, r.util_low, r.util_high, r.dwell_ns, 2};
        classes_.push_back({i, c.name, plan::SizeController(t, static_cast<unsigned>(c.cpus->size())), *c.cpus,
                            std::nullopt, Clock::now(), 0, "starting", "", 0});
    }
}

std::optional<ClassSizer::Clock::time_point> ClassSizer::next_deadline() const
{
    if (classes_.empty())
        return std::nullopt;
    return last_tick_ + kEvery;
}

bool ClassSizer::tick(LivePolicy& live, Supervisor& supervisor, const policy::Machine& machine)
{
    auto now = Clock::now();
    if (classes_.empty() || now - last_tick_ < kEvery)
        return false;
    last_tick_ = now;
    if (!supervisor.attached()) {
        for (auto& s : classes_)
            s.last_totals.reset();
        return false;
    }
    auto rows = supervisor.class_reports(live);
    bool pushed = false;
    for (auto& s : classes_) {
        if (s.index >= rows.size())
            continue;
        const auto& t = rows[s.index].total;
        std::pair<uint64_t, uint64_t> totals{t.runtime_ns, t.wait_ns};
        auto prev = s.last_totals;
        auto prev_time = s.last_sample;
        s.last_totals = totals;
        s.last_sample = now;
        if (!prev || totals.first < prev->first || totals.second < prev->second)
            continue;  // the first sample, or counters restarted by a re-attach
        auto pool = policy::range_pool(live.policy(), s.index, machine);
        unsigned before = s.controller.cpus();
        auto dec = s.controller.step({totals.first - prev->first, totals.second - prev->second, ns(now - prev_time)},
                                     ns(now.time_since_epoch()), static_cast<unsigned>(pool.size()));
        s.util = dec.util;
        s.state = dec.why;
        if (!dec.moved)
            continue;
        // Sticky: its own CPUs come first in the order, the nearest next.
        std::set<unsigned> own;
        for (unsigned cpu : s.cpus)
            if (pool.count(cpu))
                own.insert(cpu);
        auto order = policy::growth_order(machine, pool, own);
        std::set<unsigned> next;
        for (size_t k = 0; k < order.size() && k < dec.cpus; ++k)
            next.insert(order[k]);
        auto& spec = live.loaded.policy.classes[s.index];
        auto old = spec.cpus;
        spec.cpus = next;
        if (auto st = supervisor.recompile(live); !st) {
            spec.cpus = old;
            s.controller.revert(before);
            ++s.move_failures;
            spdlog::error("class {}: cannot push its new CPU set: {}", s.name, st.error());
            continue;
        }
        pushed = true;
        s.cpus = next;
        // The next sample would straddle the move (its CPUs counted at the
        // new size for time spent at the old one): start it afresh.
        s.last_totals.reset();
        s.last_move = dec.why;
        spdlog::info("class {}: {}; CPUs {}; generation {} live", s.name, dec.why, policy::format_cpu_list(next),
                     live.generation);
    }
    return pushed;
}

nlohmann::json ClassSizer::to_json() const
{
    auto j = nlohmann::json::array();
    for (const auto& s : classes_) {
        const auto& t = s.controller.tuning();
        j.push_back({{"class", s.name},
                     {"cpus", policy::format_cpu_list(s.cpus)},
                     {"count", s.cpus.size()},
                     {"min", t.min},
                     {"max", t.max},
                     {"util", s.util},
                     {"util_band", {t.util_low, t.util_high}},
                     {"moves", s.controller.moves()},
                     {"move_failures", s.move_failures},
                     {"last_move", s.last_move},
                     {"state", s.state}});
    }
    return j;
}

std::string ClassSizer::to_text() const
{
    std::string out;
    for (const auto& s : classes_) {
        const auto& t = s.controller.tuning();
        char util[16];
        std::snprintf(util, sizeof(util), "%.2f", s.util);
        out += "cpu range " + s.name + ": CPUs " + policy::format_cpu_list(s.cpus) + " (" +
               std::to_string(s.cpus.size()) + " of " + std::to_string(t.min) + "-" + std::to_string(t.max) +
               ", utilisation " + util + "), " + std::to_string(s.controller.moves()) + " moves" +
               (s.last_move.empty() ? "" : "; last: " + s.last_move) + "; now: " + s.state + "\n";
    }
    return out;
}

std::string ClassSizer::prometheus() const
{
    if (classes_.empty())
        return "";
    std::string s = "# HELP llm_schedd_class_cpus CPUs of a class whose CPU count follows utilisation.\n"
                    "# TYPE llm_schedd_class_cpus gauge\n";
    for (const auto& c : classes_)
        s += "llm_schedd_class_cpus{class=\"" + label(c.name) + "\"} " + std::to_string(c.cpus.size()) + "\n";
    s += "# HELP llm_schedd_class_cpu_utilisation Per-CPU utilisation of such a class, last sample.\n"
         "# TYPE llm_schedd_class_cpu_utilisation gauge\n";
    for (const auto& c : classes_)
        s += "llm_schedd_class_cpu_utilisation{class=\"" + label(c.name) + "\"} " + std::to_string(c.util) + "\n";
    s += "# HELP llm_schedd_class_cpus_moves_total Grow and shrink moves since the policy was loaded.\n"
         "# TYPE llm_schedd_class_cpus_moves_total counter\n";
    for (const auto& c : classes_)
        s += "llm_schedd_class_cpus_moves_total{class=\"" + label(c.name) + "\"} " +
             std::to_string(c.controller.moves()) + "\n";
    return s;
}

}  // namespace llm::service
