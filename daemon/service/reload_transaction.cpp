// SPDX-License-Identifier: GPL-2.0-only
// The reload transaction. The caller has already read, parsed, validated
// and compiled the next policy; nothing of that touched the system.
//
// Stage (a failure here has changed nothing):
//   1. memory check   mount paths the rules refuse
//   2. endpoints      the new metrics listener bound, the file watch opened,
//                     the control group resolved; none swapped in yet
// Commit, in this order:
//   3. tables         the BPF tables of the next generation go live first,
//                     so the reload's latency is not the memory side's
//   4. memory         knobs, mounts, class cgroups (the slow step, the one
//                     most likely to fail: a pool the kernel cannot fill)
//   5. endpoints      socket group, metrics listener, watch swapped in last,
//                     so a memory failure never touches what clients see
// Rules:
//   - A failed commit step is undone as well as every step before it, in
//     reverse order, because a step may fail half-way (memory stops at the
//     first knob the kernel refuses). Each undo is safe on a step that did
//     nothing.
//   - Undo = the same port driven back to the live generation: tables of
//     the live generation restored to both slots, the live policy applied again (which
//     restores knobs it does not set, unmounts mounts and removes cgroups
//     it does not name), the endpoints swapped back.
//   - Every undo runs even when an earlier one failed. An undo that fails
//     is returned in rollback_errors: the caller logs it as an error and
//     reports it in status, because the host then matches neither policy.
//   - The endpoints port is always finished, so what was opened for a
//     refused reload is closed, and what a committed one replaced too.
#include "service/reload_transaction.h"

#include <functional>

namespace llm::service {
namespace {

struct Step {
    const char* name;
    const char* concerns;  // the start of the refusal a client reads
    std::function<util::Status()> commit;
    std::function<util::Status()> undo;
};

}  // namespace

ReloadOutcome run_reload_transaction(const ReloadSides& sides, const ReloadPorts& ports)
{
    ReloadOutcome out;
    auto refuse = [&](const char* step, const char* concerns, const util::Status& st) {
        out.ok = false;
        out.failed_step = step;
        out.error = st.error();
        out.reason = concerns + st.error();
    };

    if (auto st = ports.memory.check(sides.next_policy); !st) {
        refuse("stage memory", "memory: ", st);
        return out;
    }
    if (auto st = ports.endpoints.stage(sides.next_policy.daemon); !st) {
        refuse("stage endpoints", "", st);
        ports.endpoints.finish();
        return out;
    }

    const Step steps[] = {
        {"push tables", "cannot push the new tables: ", [&] { return ports.tables.push(sides.next_table); },
         [&] { return ports.tables.restore(sides.live_table); }},
        {"apply memory", "memory: ", [&] { return ports.memory.apply(sides.next_policy, "reload"); },
         [&] { return ports.memory.apply(sides.live_policy, "rollback"); }},
        {"commit endpoints", "", [&] { return ports.endpoints.commit(); }, [&] { return ports.endpoints.undo(); }},
    };
    constexpr size_t kSteps = sizeof(steps) / sizeof(steps[0]);
    // A push that fails may have reached one slot, so its number counts as issued.
    out.tables_pushed = true;
    for (size_t i = 0; i < kSteps; ++i) {
        auto st = steps[i].commit();
        if (st)
            continue;
        refuse(steps[i].name, steps[i].concerns, st);
        for (size_t j = i + 1; j-- > 0;)
            if (auto u = steps[j].undo(); !u)
                out.rollback_errors.push_back(std::string("undo ") + steps[j].name + ": " + u.error());
        ports.endpoints.finish();
        return out;
    }
    ports.endpoints.finish();
    out.ok = true;
    return out;
}

}  // namespace llm::service
