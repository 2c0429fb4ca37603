// SPDX-License-Identifier: GPL-2.0-only
// The two-slot policy table, and the order of a push.
//
// BPF callbacks read `active_slot` once and then use that slot for the
// whole callback. A push therefore writes the slot that is not live, flips
// `active_slot` to it, and then waits for a grace period: when it returns,
// no callback can still hold the slot that was live before, so the next
// push may overwrite it. Without the wait, two pushes in a row (a reload
// and a CPU hotplug in one pass of the loop) would rewrite the slot a
// callback that started before the first one may still be reading.
//
// Pure: the map operations come through PolicySlotOps, so the order is
// tested without BPF (tests/unit/test_policy_slots.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "llm_schedd/intf.h"
#include "util/result.h"

namespace llm::sched {

class PolicySlotOps {
public:
    virtual ~PolicySlotOps() = default;
    [[nodiscard]] virtual uint32_t live_slot() const = 0;
    [[nodiscard]] virtual util::Status write(uint32_t slot, const llm_policy& table) = 0;
    virtual void set_live(uint32_t slot) = 0;
    [[nodiscard]] virtual util::Status grace_period() = 0;
};

class PolicySlots {
public:
    // Pushes `table`. The first push (before attach, no one reading) writes
    // the live slot itself. An error means the old table is still live;
    // a grace period that fails after the flip is owed, and the next push
    // waits for it before it writes.
    [[nodiscard]] util::Status push(PolicySlotOps& ops, const llm_policy& table);
    [[nodiscard]] bool grace_owed() const { return owed_; }
    [[nodiscard]] uint64_t grace_periods() const { return grace_periods_; }

private:
    bool first_ = true;
    bool owed_ = false;
    uint64_t grace_periods_ = 0;
};

}  // namespace llm::sched
