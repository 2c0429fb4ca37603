// SPDX-License-Identifier: GPL-2.0-only
// Sizes the CPU set of every class with a CPU range ("cpus": {"min", "max",
// "util"}). Once a second it reads each such class's runtime and wait (BPF
// counters), gives the deltas to the class's controller
// (plan/class_size.h), and when one moves, takes or gives back CPUs in
// topology order (policy/cpu_spec.h growth_order: its own CPUs first, then
// the same last-level cache, then the same NUMA node), writes the set into
// the live policy and pushes its tables as a new generation
// (Supervisor::recompile): no detach. It never takes a CPU another
// exclusive class holds. A reload starts every controller afresh at the
// policy's minimum. The sample after a move only sets a new baseline.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plan/class_size.h"
#include "policy/machine.h"
#include "service/live_policy.h"
#include "service/supervisor.h"

namespace llm::service {

class ClassSizer {
public:
    using Clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds kEvery{1};

    void reset(const LivePolicy& live);
    // One sample if one is due; true when it pushed new tables.
    bool tick(LivePolicy& live, Supervisor& supervisor, const policy::Machine& machine);
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;

    // [{class, cpus, count, min, max, util, moves, last_move, state}]
    [[nodiscard]] nlohmann::json to_json() const;
    [[nodiscard]] std::string to_text() const;
    [[nodiscard]] std::string prometheus() const;

private:
    struct Sized {
        size_t index;
        std::string name;
        plan::SizeController controller;
        std::set<unsigned> cpus;  // the class's set now
        std::optional<std::pair<uint64_t, uint64_t>> last_totals;  // runtime, wait ns so far
        Clock::time_point last_sample;
        double util = 0;
        std::string state;
        std::string last_move;
        uint64_t move_failures = 0;
    };
    std::vector<Sized> classes_;
    Clock::time_point last_tick_{};
};

}  // namespace llm::service
