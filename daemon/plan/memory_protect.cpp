// SPDX-License-Identifier: GPL-2.0-only
#include "plan/memory_protect.h"

#include <algorithm>
#include <cstdio>

#include "policy/units.h"

namespace llm::plan {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

uint64_t one_step(uint64_t from, double step)
{
    // Whole MiB: the values read well in logs, and a step is never under 1 MiB.
    return std::max<uint64_t>(kMiB, static_cast<uint64_t>(static_cast<double>(from) * step) / kMiB * kMiB);
}

std::string pressure_words(double pressure)
{
    char buf[64];
    std::snprintf(buf, sizeof(buf), "pressure %.2f of the target", pressure);
    return buf;
}

}  // namespace

HighController::HighController(ProtectTuning tuning, std::optional<uint64_t> policy_high)
    : tuning_(tuning), policy_high_(policy_high == UINT64_MAX ? std::nullopt : policy_high)
{
}

HighDecision HighController::step(double pressure, uint64_t usage)
{
    using policy::format_size;
    HighDecision out;
    auto words = pressure_words(pressure);
    if (pressure > 1.0) {
        calm_ = 0;
        uint64_t base = imposed_ ? *imposed_ : std::min(usage, policy_high_.value_or(UINT64_MAX));
        if (base <= tuning_.floor) {
            out.why = "hold: " + words + ", at the floor " + format_size(tuning_.floor);
            return out;
        }
        uint64_t cut = one_step(base, tuning_.step);
        uint64_t next = base > tuning_.floor + cut ? base - cut : tuning_.floor;
        if (!imposed_)
            start_ = base;
        imposed_ = next;
        ++lowered_;
        out.action = HighAction::lower;
        out.high = next;
        out.why = "lower: " + words + ": memory.high " + format_size(base) + " -> " + format_size(next);
        return out;
    }
    if (!imposed_) {
        calm_ = 0;
        out.why = "free: " + words;
        return out;
    }
    if (pressure > tuning_.release) {
        calm_ = 0;
        out.why = "hold: " + words + ", memory.high " + format_size(*imposed_);
        return out;
    }
    if (++calm_ < tuning_.confirm) {
        out.why = "wait: " + words + " (" + std::to_string(calm_) + " of " + std::to_string(tuning_.confirm) +
                  " calm samples)";
        return out;
    }
    uint64_t next = *imposed_ + one_step(*imposed_, tuning_.step);
    uint64_t top = policy_high_ ? std::min(start_, *policy_high_) : start_;
    ++raised_;
    if (next >= top) {
        imposed_.reset();
        out.action = HighAction::lift;
        out.why = "lift: " + words + ": memory.high back to " + (policy_high_ ? format_size(*policy_high_) : "max");
        return out;
    }
    imposed_ = next;
    out.action = HighAction::raise;
    out.high = next;
    out.why = "raise: " + words + ": memory.high -> " + format_size(next);
    return out;
}

}  // namespace llm::plan
