// SPDX-License-Identifier: GPL-2.0-only
// The auto split of a class's phase CPUs ("phases": {"split": "auto"}):
// how many of the CPUs the forward and backward sets share go to forward,
// from each phase's demand. Pure: the daemon feeds it the BPF counters'
// deltas (service/phase_splitter.h) and applies what it decides.
//
// Demand of a phase over a sample = its tasks' runtime + their runnable
// wait (per-phase counters in llm_class_stats), in CPU-nanoseconds: a
// phase that is short of CPUs shows as wait, one that is not as runtime
// alone. The best split is the one that minimises the busiest phase's
// demand per CPU, max(Df/Cf, Db/Cb), with Cf + Cb = N and each at least 1.
// Hysteresis: a move must lower that maximum by more than `band` of it,
// the same target must come out of `confirm` samples in a row, and no move
// comes sooner than `dwell` after the last. A sample whose total demand is
// below a tenth of one CPU says nothing and resets the count.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

namespace llm::plan {

struct SplitTuning {
    uint64_t dwell_ns = 2'000'000'000;
    double band = 0.1;
    unsigned confirm = 2;
    double idle_cpus = 0.1;  // total demand below this many CPUs: no information
};

struct PhaseDemand {
    uint64_t forward_ns = 0;   // runtime + wait of forward tasks in the sample
    uint64_t backward_ns = 0;
    uint64_t interval_ns = 0;  // how long the sample was
};

struct SplitDecision {
    unsigned forward_cpus = 0;  // after this sample
    bool moved = false;
    double forward_share = 0;   // forward's part of the demand; 0 when idle
    std::string why;
};

class SplitController {
public:
    SplitController(unsigned total_cpus, unsigned forward_cpus, SplitTuning tuning = {});

    [[nodiscard]] SplitDecision step(const PhaseDemand& d, uint64_t now_ns);
    [[nodiscard]] unsigned forward_cpus() const { return forward_; }
    [[nodiscard]] unsigned total_cpus() const { return total_; }
    [[nodiscard]] unsigned moves() const { return moves_; }
    // The last move could not be applied: back to `forward_cpus`.
    void revert(unsigned forward_cpus);

private:
    unsigned total_;
    unsigned forward_;
    SplitTuning tuning_;
    unsigned pending_target_ = 0;
    unsigned pending_count_ = 0;
    unsigned moves_ = 0;
    std::optional<uint64_t> last_move_ns_;
};

// The busiest phase's demand per CPU with `forward` of `total` CPUs forward.
[[nodiscard]] double split_cost(double forward_share, unsigned forward, unsigned total);

// The sets for a split: the lowest `forward` CPUs of `cpus` forward, the rest
// backward (neighbouring CPU numbers share caches on common topologies).
[[nodiscard]] std::pair<std::set<unsigned>, std::set<unsigned>> split_cpus(const std::set<unsigned>& cpus,
                                                                           unsigned forward);

}  // namespace llm::plan
