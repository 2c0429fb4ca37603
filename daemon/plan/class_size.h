// SPDX-License-Identifier: GPL-2.0-only
// A class CPU count that follows utilisation ("cpus": {"min", "max",
// "util": [low, high]}), after scx_layered's confined layers. Pure: the
// daemon feeds it the class's runtime and wait per sample
// (service/class_sizer.h) and applies what it decides.
//
// Utilisation = the class's runtime / (its CPUs x the sample). Above the
// band's high end it grows: to the count that would put its demand
// (runtime + runnable wait, in CPUs) at the band's middle, at least one
// more. Below the low end it shrinks: to the count that would put its
// demand at the middle, at least one fewer, unless that smaller set would
// be above the band's middle at once. Demand, not runtime, sizes the
// shrink because runtime falls when RT or deadline tasks take the class's
// CPUs while its own tasks wait: that class is short of CPUs, not idle. Never outside [min, max], nor
// above the CPUs it may take now. A move needs `confirm` samples in a row
// on the same side and `dwell` since the last move; inside the band it
// holds. If the CPUs it may take fall below its count (another exclusive
// class grew, a CPU went offline) it gives them up at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace llm::plan {

struct SizeTuning {
    unsigned min = 1;
    unsigned max = 1;
    double util_low = 0.6;
    double util_high = 0.9;
    uint64_t dwell_ns = 2'000'000'000;
    unsigned confirm = 2;
};

struct ClassLoad {
    uint64_t runtime_ns = 0;
    uint64_t wait_ns = 0;
    uint64_t interval_ns = 0;
};

struct SizeDecision {
    unsigned cpus = 0;  // after this sample
    bool moved = false;
    double util = 0;    // per CPU, this sample
    std::string why;
};

class SizeController {
public:
    SizeController(SizeTuning tuning, unsigned start_cpus);

    // `available`: how many CPUs the class may take now.
    [[nodiscard]] SizeDecision step(const ClassLoad& load, uint64_t now_ns, unsigned available);
    [[nodiscard]] unsigned cpus() const { return cpus_; }
    [[nodiscard]] unsigned moves() const { return moves_; }
    [[nodiscard]] const SizeTuning& tuning() const { return tuning_; }
    // The last move could not be applied: back to `cpus`.
    void revert(unsigned cpus);

private:
    SizeTuning tuning_;
    unsigned cpus_;
    int pending_dir_ = 0;
    unsigned pending_count_ = 0;
    unsigned moves_ = 0;
    std::optional<uint64_t> last_move_ns_;
};

}  // namespace llm::plan
