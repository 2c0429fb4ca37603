// SPDX-License-Identifier: GPL-2.0-only
// Memory that follows pressure ("memory": {"protect": ...}), after senpai
// (resctl-demo): one controller per lower class that a protecting class
// may squeeze. Pure: the daemon (service/memory_protector.h) feeds it the
// pressure and the class's usage, and writes what it decides.
//
// Pressure is the protecting classes' memory PSI ("some" avg10) over their
// targets, the largest of them: above 1 the class is lowered one step: its
// memory.high goes to its current usage (or the high it has now) less
// `step` of it, at least 1 MiB, never below `floor`. At or under
// `release` (half the target) for `confirm` samples in a row it is raised
// one step; when a step would reach where it started (or the policy's own
// memory.high), the policy's value is put back and the class is free
// again. In between it holds. avg10 lags its cause by seconds, so steps
// are small and the floor bounds any overshoot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace llm::plan {

struct ProtectTuning {
    uint64_t floor = 0;     // bytes
    double step = 0.1;      // of the current value, per move
    double release = 0.5;   // pressure (fraction of the target) under which it raises
    unsigned confirm = 2;   // calm samples in a row before each raise
};

enum class HighAction { hold, lower, raise, lift };

struct HighDecision {
    HighAction action = HighAction::hold;
    uint64_t high = 0;  // the memory.high to write for lower and raise
    std::string why;
};

class HighController {
public:
    // policy_high: the class's own memory.high from the policy (none: "max").
    HighController(ProtectTuning tuning, std::optional<uint64_t> policy_high);

    // pressure: largest avg10 / target of the classes protecting this one.
    [[nodiscard]] HighDecision step(double pressure, uint64_t usage);
    // The memory.high this controller has put in place; none while free.
    [[nodiscard]] std::optional<uint64_t> imposed() const { return imposed_; }
    [[nodiscard]] std::optional<uint64_t> policy_high() const { return policy_high_; }
    [[nodiscard]] uint64_t lowered() const { return lowered_; }
    [[nodiscard]] uint64_t raised() const { return raised_; }
    [[nodiscard]] const ProtectTuning& tuning() const { return tuning_; }

private:
    ProtectTuning tuning_;
    std::optional<uint64_t> policy_high_;
    std::optional<uint64_t> imposed_;
    uint64_t start_ = 0;  // the value it lowered from first
    unsigned calm_ = 0;
    uint64_t lowered_ = 0, raised_ = 0;
};

}  // namespace llm::plan
