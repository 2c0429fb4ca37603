// SPDX-License-Identifier: GPL-2.0-only
// Runs the auto split ("phases": {"split": "auto"}) of every class that asks
// for it. Once a second it reads each class's per-phase runtime and wait
// (BPF counters), gives the deltas to the class's controller
// (plan/phase_split.h), and when one moves, writes the new forward and
// backward sets into the live policy and pushes its tables again as a new
// generation (Supervisor::recompile, as a CPU hotplug does): no detach, no
// reload of the file. A reload starts every controller afresh from the new
// policy's lists. The sample after a move, or after an ejection reset the
// counters, only sets a new baseline: it would mix two splits.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/phase_split.h"
#include "service/live_policy.h"
#include "service/supervisor.h"

namespace llm::service {

class PhaseSplitter {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kEvery{1};

    // The classes of this generation's policy that split automatically.
    void reset(const LivePolicy& live);
    // One sample if one is due; true when it pushed new tables.
    bool tick(LivePolicy& live, Supervisor& supervisor);
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
    [[nodiscard]] bool active() const { return !classes_.empty(); }

    // [{class, cpus, forward, backward, forward_cpus, forward_demand_share, moves, last_move, state}]
    [[nodiscard]] nlohmann::json to_json() const;
    // One line per class, for the stats table.
    [[nodiscard]] std::string to_text() const;
    // Gauges and a counter, Prometheus text format.
    [[nodiscard]] std::string prometheus() const;

private:
    struct ClassSplit {
        size_t index;
        std::string name;
        std::set<unsigned> cpus;  // what forward and backward share
        plan::SplitController controller;
        std::optional<std::pair<uint64_t, uint64_t>> last_totals;  // forward, backward demand ns so far
        Clock::time_point last_sample;
        double forward_share = 0;
        std::string state;      // the last decision's words
        std::string last_move;  // the last move's words
        uint64_t move_failures = 0;
    };
    std::vector<ClassSplit> classes_;
    Clock::time_point last_tick_{};
};

}  // namespace llm::service
