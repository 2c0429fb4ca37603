// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include <map>
#include <set>
#include <vector>

#include "policy/guard_timing.h"
#include "plan/policy_slots.h"

using namespace llm;

TEST_CASE("guard timing: overdue at S/2, windows of S/4, 1 ms rescues, the share of a window")
{
    auto g = policy::guard_timing(200'000'000, 2);
    CHECK(g.wait_ns == 100'000'000);
    CHECK(g.period_ns == 50'000'000);
    CHECK(g.slice_ns == 1'000'000);
    CHECK(g.share_ns == 1'000'000);  // 2% of 50 ms
    // The bound W + P + tick + k*R <= S holds for 46 overdue waiters per window at HZ=250.
    CHECK(policy::guard_capacity(g, 200'000'000, 4'000'000) == 46);

    auto small = policy::guard_timing(20'000'000, 0);
    CHECK(small.slice_ns == 100'000);  // S/200, clamped at 100 us
    CHECK(small.share_ns == 0);
    CHECK(policy::guard_capacity(small, 20'000'000, 4'000'000) == 10);

    auto big = policy::guard_timing(30'000'000'000, 50);
    CHECK(big.slice_ns == 1'000'000);  // clamped at 1 ms
    CHECK(big.share_ns == big.period_ns / 2);
    CHECK(policy::guard_capacity(big, 30'000'000'000, 4'000'000) > 4000);
}

namespace {

// A model of the policy map with readers: a reader takes the live slot and
// holds it until a grace period; a write to a held slot is a torn read.
class FakeSlots final : public sched::PolicySlotOps {
public:
    uint32_t live = 0;
    std::set<uint32_t> held;   // slots some callback may still be reading
    std::vector<std::string> log;
    bool fail_grace = false;
    int torn = 0;

    [[nodiscard]] uint32_t live_slot() const override { return live; }
    [[nodiscard]] llm::util::Status write(uint32_t slot, const llm_policy&) override
    {
        torn += static_cast<int>(held.count(slot));
        log.push_back("write " + std::to_string(slot));
        return {};
    }
    void set_live(uint32_t slot) override
    {
        log.push_back("live " + std::to_string(slot));
        live = slot;
    }
    [[nodiscard]] llm::util::Status grace_period() override
    {
        log.push_back("grace");
        if (fail_grace)
            return llm::util::error("injected");
        held.clear();
        return {};
    }
    void readers_take_live() { held.insert(live); }
};

}  // namespace

TEST_CASE("policy push: write the inactive slot, make it live, then wait; never rewrite a slot in use")
{
    FakeSlots map;
    sched::PolicySlots slots;
    llm_policy t{};
    REQUIRE(slots.push(map, t));  // before attach: the live slot itself, no wait
    CHECK(map.log == std::vector<std::string>{"write 0"});
    map.log.clear();
    // A reload and a hotplug push back to back, callbacks reading all along.
    for (int i = 0; i < 10; ++i) {
        map.readers_take_live();
        REQUIRE(slots.push(map, t));
        map.readers_take_live();
    }
    CHECK(map.torn == 0);
    CHECK(map.log[0] == "write 1");
    CHECK(map.log[1] == "live 1");
    CHECK(map.log[2] == "grace");
    CHECK(slots.grace_periods() == 10);
}

TEST_CASE("policy push: a failed grace period is owed, and the next push waits before it writes")
{
    FakeSlots map;
    sched::PolicySlots slots;
    llm_policy t{};
    REQUIRE(slots.push(map, t));
    map.readers_take_live();
    map.fail_grace = true;
    REQUIRE(slots.push(map, t));  // live already; the wait is owed
    CHECK(slots.grace_owed());
    map.readers_take_live();
    // Still failing: the next push refuses rather than write a slot in use.
    auto err = slots.push(map, t);
    REQUIRE_FALSE(err);
    CHECK(err.error().find("cannot reuse") != std::string::npos);
    CHECK(map.torn == 0);
    map.fail_grace = false;
    REQUIRE(slots.push(map, t));
    CHECK_FALSE(slots.grace_owed());
    CHECK(map.torn == 0);
}
