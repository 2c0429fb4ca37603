#include "plan/policy_slots.h"

namespace llm::sched {

std::optional<std::string> PolicySlots::push(PolicySlotOps& ops, const llm_policy& table)
{
    uint32_t live = ops.live_slot() & 1u;
    if (first_) {
        if (auto err = ops.write(live, table))
            return err;
        first_ = false;
        return std::nullopt;
    }
    if (owed_) {
        if (auto err = ops.grace_period())
            return "cannot reuse the inactive policy slot: " + *err;
        owed_ = false;
        ++grace_periods_;
    }
    uint32_t slot = live ^ 1u;
    if (auto err = ops.write(slot, table))
        return err;
    ops.set_live(slot);
    // The new table is live. Free the old slot now, so the next push
    // need not wait; if that fails, the next push waits first.
    if (ops.grace_period()) {
        owed_ = true;
        return std::nullopt;
    }
    ++grace_periods_;
    return std::nullopt;
}

}  // namespace llm::sched
