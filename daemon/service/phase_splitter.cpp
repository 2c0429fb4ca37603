// SPDX-License-Identifier: GPL-2.0-only
#include "service/phase_splitter.h"

#include <spdlog/spdlog.h>

#include "policy/units.h"
#include "report/stats_prometheus.h"

namespace llm::service {

namespace {

uint64_t demand(const llm_class_stats& t, int phase)
{
    return t.phase_runtime_ns[phase] + t.phase_wait_ns[phase];
}

std::string label(const std::string& s) { return sched::prometheus_label(s); }

}  // namespace

void PhaseSplitter::reset(const LivePolicy& live)
{
    classes_.clear();
    const auto& p = live.policy();
    for (size_t i = 0; i < p.classes.size(); ++i) {
        const auto& c = p.classes[i];
        if (!c.auto_split || !c.forward || !c.backward)
            continue;
        std::set<unsigned> cpus = *c.forward;
        cpus.insert(c.backward->begin(), c.backward->end());
        plan::SplitTuning tuning;
        tuning.dwell_ns = c.auto_split->dwell_ns;
        tuning.band = c.auto_split->band;
        auto n = static_cast<unsigned>(cpus.size());
        classes_.push_back({i, c.name, cpus, plan::SplitController(n, static_cast<unsigned>(c.forward->size()), tuning),
                            std::nullopt, Clock::now(), 0, "starting", "", 0});
    }
}

std::optional<PhaseSplitter::Clock::time_point> PhaseSplitter::next_deadline() const
{
    if (classes_.empty())
        return std::nullopt;
    return last_tick_ + kEvery;
}

bool PhaseSplitter::tick(LivePolicy& live, Supervisor& supervisor)
{
    auto now = Clock::now();
    if (classes_.empty() || now - last_tick_ < kEvery)
        return false;
    last_tick_ = now;
    if (!supervisor.attached()) {
        for (auto& cs : classes_)
            cs.last_totals.reset();
        return false;
    }
    auto rows = supervisor.class_reports(live);
    bool pushed = false;
    for (auto& cs : classes_) {
        if (cs.index >= rows.size())
            continue;
        const auto& t = rows[cs.index].total;
        std::pair<uint64_t, uint64_t> totals{demand(t, LLM_PHASE_FORWARD), demand(t, LLM_PHASE_BACKWARD)};
        auto prev = cs.last_totals;
        auto prev_time = cs.last_sample;
        cs.last_totals = totals;
        cs.last_sample = now;
        // Counters start again at zero after a re-attach: skip that sample.
        if (!prev || totals.first < prev->first || totals.second < prev->second)
            continue;
        plan::PhaseDemand d{totals.first - prev->first, totals.second - prev->second,
                            static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now - prev_time).count())};
        auto mono = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
        unsigned before = cs.controller.forward_cpus();
        auto dec = cs.controller.step(d, mono);
        cs.forward_share = dec.forward_share;
        cs.state = dec.why;
        if (!dec.moved)
            continue;
        auto& spec = live.loaded.policy.classes[cs.index];
        auto old_f = spec.forward, old_b = spec.backward;
        auto [f, b] = plan::split_cpus(cs.cpus, dec.forward_cpus);
        spec.forward = f;
        spec.backward = b;
        if (auto st = supervisor.recompile(live); !st) {
            spec.forward = old_f;
            spec.backward = old_b;
            cs.controller.revert(before);
            ++cs.move_failures;
            spdlog::error("auto split of class {}: cannot push the new sets: {}", cs.name, st.error());
            continue;
        }
        pushed = true;
        cs.last_move = dec.why;
        // The next sample would straddle the move: start it afresh.
        cs.last_totals.reset();
        spdlog::info("auto split of class {}: {}; forward {}, backward {}; generation {} live", cs.name, dec.why,
                     policy::format_cpu_list(f), policy::format_cpu_list(b), live.generation);
    }
    return pushed;
}

nlohmann::json PhaseSplitter::to_json() const
{
    auto j = nlohmann::json::array();
    for (const auto& cs : classes_) {
        auto [f, b] = plan::split_cpus(cs.cpus, cs.controller.forward_cpus());
        j.push_back({{"class", cs.name},
                     {"cpus", policy::format_cpu_list(cs.cpus)},
                     {"forward", policy::format_cpu_list(f)},
                     {"backward", policy::format_cpu_list(b)},
                     {"forward_cpus", f.size()},
                     {"backward_cpus", b.size()},
                     {"forward_demand_share", cs.forward_share},
                     {"moves", cs.controller.moves()},
                     {"move_failures", cs.move_failures},
                     {"last_move", cs.last_move},
                     {"state", cs.state}});
    }
    return j;
}

std::string PhaseSplitter::to_text() const
{
    std::string s;
    for (const auto& cs : classes_) {
        auto [f, b] = plan::split_cpus(cs.cpus, cs.controller.forward_cpus());
        char share[16];
        std::snprintf(share, sizeof(share), "%.0f%%", cs.forward_share * 100);
        s += "auto split " + cs.name + ": forward " + policy::format_cpu_list(f) + ", backward " +
             policy::format_cpu_list(b) + " (forward demand " + share + "), " + std::to_string(cs.controller.moves()) +
             " moves" + (cs.last_move.empty() ? "" : "; last: " + cs.last_move) + "; now: " + cs.state + "\n";
    }
    return s;
}

std::string PhaseSplitter::prometheus() const
{
    if (classes_.empty())
        return "";
    std::string s = "# HELP llm_schedd_phase_split_cpus CPUs of each phase set under an auto split.\n"
                    "# TYPE llm_schedd_phase_split_cpus gauge\n";
    for (const auto& cs : classes_) {
        unsigned f = cs.controller.forward_cpus(), n = cs.controller.total_cpus();
        s += "llm_schedd_phase_split_cpus{class=\"" + label(cs.name) + "\",phase=\"forward\"} " + std::to_string(f) + "\n";
        s += "llm_schedd_phase_split_cpus{class=\"" + label(cs.name) + "\",phase=\"backward\"} " +
             std::to_string(n - f) + "\n";
    }
    s += "# HELP llm_schedd_phase_split_forward_demand_share Forward's part of the class's phase demand, last sample.\n"
         "# TYPE llm_schedd_phase_split_forward_demand_share gauge\n";
    for (const auto& cs : classes_)
        s += "llm_schedd_phase_split_forward_demand_share{class=\"" + label(cs.name) + "\"} " +
             std::to_string(cs.forward_share) + "\n";
    s += "# HELP llm_schedd_phase_split_moves_total Auto split moves since the policy was loaded.\n"
         "# TYPE llm_schedd_phase_split_moves_total counter\n";
    for (const auto& cs : classes_)
        s += "llm_schedd_phase_split_moves_total{class=\"" + label(cs.name) + "\"} " +
             std::to_string(cs.controller.moves()) + "\n";
    return s;
}

}  // namespace llm::service
