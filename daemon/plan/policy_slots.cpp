// SPDX-License-Identifier: GPL-2.0-only
#include "plan/policy_slots.h"

namespace llm::sched {

util::Status PolicySlots::push(PolicySlotOps& ops, const llm_policy& table)
{
    uint32_t live = ops.live_slot() & 1u;
    if (first_) {
        if (auto st = ops.write(live, table); !st)
            return st;
        first_ = false;
        return {};
    }
    if (owed_) {
        if (auto st = ops.grace_period(); !st)
            return util::error("cannot reuse the inactive policy slot: " + st.error());
        owed_ = false;
        ++grace_periods_;
    }
    uint32_t slot = live ^ 1u;
    if (auto st = ops.write(slot, table); !st)
        return st;
    ops.set_live(slot);
    // The new table is live. Free the old slot now, so the next push
    // need not wait; if that fails, the next push waits first.
    if (!ops.grace_period()) {
        owed_ = true;
        return {};
    }
    ++grace_periods_;
    return {};
}

}  // namespace llm::sched
