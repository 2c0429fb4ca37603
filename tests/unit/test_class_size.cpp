// SPDX-License-Identifier: GPL-2.0-only
// A class CPU count that follows utilisation: the controller
// (plan/class_size.h) fed recorded load sequences, the growth order
// (policy/cpu_spec.h), and the policy's "cpus": {"min", "max", "util"}.
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "plan/class_size.h"
#include "policy/cpu_spec.h"
#include "policy/parser.h"
#include "policy/validate.h"

using namespace llm::plan;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

// One second of load: CPUs busy, and CPUs' worth of runnable wait.
ClassLoad load(double busy, double wait = 0)
{
    return {static_cast<uint64_t>(busy * kSec), static_cast<uint64_t>(wait * kSec), kSec};
}

struct Run {
    explicit Run(SizeController ctl) : c(ctl) {}
    SizeController c;
    uint64_t t = 0;
    unsigned feed(const ClassLoad& l, int samples, unsigned available = 64)
    {
        for (int i = 0; i < samples; ++i) {
            t += kSec;
            (void)c.step(l, t, available);
        }
        return c.cpus();
    }
};

SizeTuning range(unsigned lo, unsigned hi)
{
    SizeTuning t;
    t.min = lo;
    t.max = hi;
    return t;
}

}  // namespace

TEST_CASE("cpu range: a saturated class grows to what its demand asks, an idle one shrinks to its minimum")
{
    Run r{SizeController(range(1, 4), 1)};
    // One CPU busy and two CPUs' worth waiting: demand 3 at a 0.75 middle -> 4.
    CHECK(r.feed(load(1, 2), 1) == 1);
    CHECK(r.feed(load(1, 2), 1) == 4);
    CHECK(r.feed(load(3, 0), 10) == 4);  // 0.75 per CPU: inside the band
    CHECK(r.c.moves() == 1);
    CHECK(r.feed(load(0.2), 1) == 4);
    CHECK(r.feed(load(0.2), 1) == 1);    // past the dwell: back to its minimum
    CHECK(r.feed(load(0), 5) == 1);      // at min it holds
    CHECK(r.c.moves() == 2);
}

TEST_CASE("cpu range: one step at least, within max and the CPUs it may take")
{
    Run r{SizeController(range(2, 12), 2)};
    CHECK(r.feed(load(1.9, 0), 2) == 3);      // 0.95 per CPU, demand 1.9: one more CPU all the same
    CHECK(r.feed(load(3, 30), 3) == 12);      // a flood: straight to max
    CHECK(r.feed(load(12, 30), 3, 6) == 6);   // only 6 may be taken now: given up at once
    CHECK(r.feed(load(6, 30), 5, 6) == 6);    // and it does not grow past them
}

TEST_CASE("cpu range: a load that fits neither count does not flap between them")
{
    // One busy thread: 1.0 on 1 CPU is over the band, 0.5 on 2 is under it.
    Run r{SizeController(range(1, 4), 1)};
    CHECK(r.feed(load(1), 2) == 2);
    CHECK(r.feed(load(1), 20) == 2);
    CHECK(r.c.moves() == 1);
    // Its demand read a little low (an emulator under load): still no shrink.
    CHECK(r.feed(load(0.85, 0.04), 5) == 2);
    CHECK(r.c.moves() == 1);
}

TEST_CASE("cpu range: CPUs taken by RT tasks while the class waits are no reason to shrink")
{
    // Recorded in vm.class_range on a loaded host: three spinners on three
    // CPUs ran 1.8 CPUs and waited 1.2 while the RT harness took the rest.
    Run r{SizeController(range(1, 3), 3)};
    const double busy[] = {1.8, 1.7, 1.75, 2.4, 1.6, 1.7};
    for (double b : busy)
        CHECK(r.feed(load(b, 3.0 - b), 1) == 3);
    CHECK(r.c.moves() == 0);
    // When the waiting stops too, it does shrink.
    CHECK(r.feed(load(0.3, 0), 2) == 1);
}

TEST_CASE("cpu range: noise inside the band never moves it; the dwell spaces moves")
{
    Run r{SizeController(range(1, 8), 4)};
    const double busy[] = {2.6, 3.4, 2.9, 3.5, 2.5, 3.0, 3.3, 2.7};  // 0.62 .. 0.88 per CPU
    for (double b : busy)
        r.feed(load(b), 1);
    CHECK(r.c.moves() == 0);
    SizeTuning slow = range(1, 8);
    slow.dwell_ns = 10 * kSec;
    Run d{SizeController(slow, 1)};
    CHECK(d.feed(load(1, 1), 2) == 3);
    CHECK(d.feed(load(3, 3), 5) == 3);   // wants more, dwell not over (7 s)
    CHECK(d.feed(load(3, 3), 5) > 3);
}

TEST_CASE("growth order: own CPUs, then the same last-level cache, then the NUMA node, then the rest")
{
    llm::policy::Machine m;
    m.nr_possible_cpus = 16;
    m.online_cpus.clear();
    for (unsigned c = 0; c < 16; ++c) {
        m.online_cpus.insert(c);
        m.cpu_llc[c] = c < 4 ? 0 : c < 8 ? 4 : c < 12 ? 8 : 12;
        m.node_cpus[c < 8 ? 0 : 1].insert(c);
    }
    auto order = llm::policy::growth_order(m, m.online_cpus, {5});
    std::vector<unsigned> want = {5, 4, 6, 7, 0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15};
    CHECK(order == want);
    auto nine = llm::policy::growth_order(m, m.online_cpus, {9, 13});
    CHECK(std::vector<unsigned>(nine.begin(), nine.begin() + 6) == std::vector<unsigned>{9, 13, 8, 10, 11, 12});
}

TEST_CASE("cpus as a range in the policy: a start at min, and errors with paths and fixes")
{
    using namespace llm::policy;
    Machine m;
    m.nr_possible_cpus = 4;
    m.online_cpus = {0, 1, 2, 3};
    m.mem_total_bytes = 64ull << 30;
    auto load_policy = [&](const std::string& cls, Diagnostics& d) {
        auto p = parse_policy(R"({ "classes": [ )" + cls + R"(,
            { "name": "rest", "match": [ { "default": true } ] } ] })", d);
        if (p && d.ok())
            resolve_and_validate(*p, m, d);
        return p;
    };
    Diagnostics ok;
    auto p = load_policy(R"({ "name": "job", "match": [ { "comm_prefix": "j" } ], "cpus_exclusive": true,
        "cpus": { "min": 2, "max": 12, "util": [0.5, 0.8], "dwell_ms": 3000 } })", ok);
    INFO(ok.format("policy"));
    REQUIRE(ok.ok());
    REQUIRE(p->classes[0].cpu_range);
    CHECK(p->classes[0].cpu_range->util_low == 0.5);
    CHECK(p->classes[0].cpu_range->dwell_ns == 3 * kSec);
    CHECK(*p->classes[0].cpus == std::set<unsigned>{0, 1});

    Diagnostics upside;
    load_policy(R"({ "name": "j", "match": [ { "comm_prefix": "j" } ], "cpus": { "min": 3, "max": 2, "util": [0.9, 0.6] } })", upside);
    CHECK(has_error(upside, "/classes/0/cpus/max", "below min 3"));
    CHECK(has_error(upside, "/classes/0/cpus/util", "upside down"));
    Diagnostics outside;
    load_policy(R"({ "name": "j", "match": [ { "comm_prefix": "j" } ], "cpus": { "min": 1, "max": 2, "util": [0.5, 1.5] } })", outside);
    CHECK(has_error(outside, "/classes/0/cpus/util", "outside 0-1"));
    Diagnostics missing;
    load_policy(R"({ "name": "j", "match": [ { "comm_prefix": "j" } ], "cpus": { "min": 1 } })", missing);
    CHECK(has_error(missing, "/classes/0/cpus", "needs \"min\" and \"max\""));
    Diagnostics big;
    load_policy(R"({ "name": "j", "match": [ { "comm_prefix": "j" } ], "cpus": { "min": 6, "max": 8 } })", big);
    CHECK(has_error(big, "/classes/0/cpus/min", "lower min to 4"));
    Diagnostics phases;
    load_policy(R"({ "name": "j", "match": [ { "comm_prefix": "j" } ], "cpus": { "min": 1, "max": 2 },
        "phases": { "forward": "0", "backward": "1" } })", phases);
    CHECK(has_error(phases, "/classes/0/phases", "no phase sets"));
}
