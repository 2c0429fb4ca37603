// SPDX-License-Identifier: GPL-2.0-only
// The auto split's controller (plan/phase_split.h) fed recorded demand
// sequences, and the policy keys that turn it on.
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "plan/phase_split.h"
#include "policy/parser.h"
#include "policy/validate.h"

using namespace llm::plan;

namespace {

constexpr uint64_t kSec = 1'000'000'000;

// One second's demand, in CPUs of forward and backward work.
PhaseDemand cpus(double fwd, double bwd)
{
    return {static_cast<uint64_t>(fwd * kSec), static_cast<uint64_t>(bwd * kSec), kSec};
}

struct Run {
    explicit Run(SplitController ctl) : c(ctl) {}
    SplitController c;
    uint64_t t = 0;
    unsigned feed(const PhaseDemand& d, int samples)
    {
        for (int i = 0; i < samples; ++i) {
            t += kSec;
            (void)c.step(d, t);
        }
        return c.forward_cpus();
    }
};

}  // namespace

TEST_CASE("auto split: 2:1 backward demand on 3 CPUs converges to 1 forward, then follows a flip")
{
    Run r{SplitController(3, 2)};
    // Four CPU-bound backward threads and two forward ones, measured as runtime + wait.
    CHECK(r.feed(cpus(2, 4), 1) == 2);  // one sample is not enough (confirm = 2)
    CHECK(r.feed(cpus(2, 4), 1) == 1);
    CHECK(r.feed(cpus(1, 2), 10) == 1);  // the same ratio at the new split: it stays
    CHECK(r.c.moves() == 1);
    // The ratio flips: 2 forward CPUs after two samples and past the 2 s dwell.
    CHECK(r.feed(cpus(4, 2), 2) == 2);
    CHECK(r.c.moves() == 2);
}

TEST_CASE("auto split: the best split minimises the busiest phase's demand per CPU")
{
    CHECK(split_cost(0.25, 1, 4) == 0.25);
    CHECK(split_cost(0.25, 2, 4) == 0.375);
    Run r{SplitController(8, 4)};
    CHECK(r.feed(cpus(1, 3), 2) == 2);   // 1:3 of 8 CPUs: 2 and 6
    CHECK(r.feed(cpus(3, 1), 3) == 6);   // and back the other way, after the dwell
}

TEST_CASE("auto split: hysteresis holds a split inside the band, with no flapping on noise")
{
    // 1:2 on 4 CPUs: 1 or 2 forward CPUs give the same busiest phase (a tie): hold.
    Run tie{SplitController(4, 2)};
    CHECK(tie.feed(cpus(1, 2), 20) == 2);
    CHECK(tie.c.moves() == 0);
    // A recorded noisy sequence around 1:1 on 6 CPUs: never moves.
    Run noisy{SplitController(6, 3)};
    const double fwd[] = {3.1, 2.8, 3.3, 2.9, 3.0, 3.2, 2.7, 3.1, 3.0, 2.95};
    for (double f : fwd)
        noisy.feed(cpus(f, 6 - f), 1);
    CHECK(noisy.c.moves() == 0);
    // The band: 10% by default; a wide band holds what a narrow one moves.
    SplitTuning wide;
    wide.band = 0.5;
    Run held{SplitController(6, 3, wide)};
    CHECK(held.feed(cpus(2, 4), 5) == 3);
    Run moved{SplitController(6, 3)};
    CHECK(moved.feed(cpus(2, 4), 5) == 2);
}

TEST_CASE("auto split: a target that changes or an idle sample restarts the confirmation")
{
    Run r{SplitController(6, 3)};
    r.feed(cpus(1, 5), 1);     // points to 1
    r.feed(cpus(0, 0), 1);     // idle: says nothing, resets
    CHECK(r.feed(cpus(1, 5), 1) == 3);
    CHECK(r.feed(cpus(1, 5), 1) == 1);
    SplitDecision d = r.c.step(cpus(0.01, 0.02), r.t + kSec);
    CHECK_FALSE(d.moved);
    CHECK(d.why.find("idle") != std::string::npos);
}

TEST_CASE("auto split: no move within the dwell time of the last one")
{
    SplitTuning slow;
    slow.dwell_ns = 10 * kSec;
    Run r{SplitController(6, 3, slow)};
    CHECK(r.feed(cpus(1, 5), 2) == 1);
    CHECK(r.feed(cpus(5, 1), 5) == 1);   // wants 5, but the first move was at 2 s
    CHECK(r.feed(cpus(5, 1), 4) == 1);   // 11 s
    CHECK(r.feed(cpus(5, 1), 1) == 5);   // 12 s: 10 s after the first move
    CHECK(r.c.moves() == 2);
}

TEST_CASE("auto split: each phase keeps at least one CPU; the sets are the lowest CPUs forward")
{
    Run r{SplitController(4, 2)};
    CHECK(r.feed(cpus(0, 4), 3) == 1);
    CHECK(r.feed(cpus(4, 0), 6) == 3);
    auto [f, b] = split_cpus({2, 3, 5, 7}, 1);
    CHECK(f == std::set<unsigned>{2});
    CHECK(b == std::set<unsigned>{3, 5, 7});
}

TEST_CASE("split: auto in the policy: an even start, tuning, and its errors with paths")
{
    using namespace llm::policy;
    Machine m;
    m.nr_possible_cpus = 8;
    for (unsigned c = 0; c < 8; ++c)
        m.online_cpus.insert(c);
    m.mem_total_bytes = 64ull << 30;
    auto load = [&](const std::string& phases, Diagnostics& d) {
        auto p = parse_policy(R"({ "classes": [ { "name": "t", "match": [ { "comm_prefix": "t" } ], "cpus": "2-7",
            "phases": )" + phases + R"( }, { "name": "rest", "match": [ { "default": true } ] } ] })", d);
        if (p && d.ok())
            resolve_and_validate(*p, m, d);
        return p;
    };
    Diagnostics ok;
    auto p = load(R"({ "split": "auto", "split_dwell_ms": 5000, "split_band": 0.2 })", ok);
    INFO(ok.format("policy"));
    REQUIRE(ok.ok());
    const auto& c = p->classes[0];
    REQUIRE(c.auto_split);
    CHECK(c.auto_split->dwell_ns == 5 * kSec);
    CHECK(c.auto_split->band == 0.2);
    CHECK(*c.forward == std::set<unsigned>{2, 3, 4});
    CHECK(*c.backward == std::set<unsigned>{5, 6, 7});

    Diagnostics fixed;
    load(R"({ "forward": "2", "backward": "3", "split_band": 0.2 })", fixed);
    CHECK(has_error(fixed, "/classes/0/phases/split_band", "\"split\": \"auto\" only"));
    Diagnostics band;
    load(R"({ "split": "auto", "split_band": 1.5 })", band);
    CHECK(has_error(band, "/classes/0/phases/split_band", "out of range"));
    Diagnostics mode;
    load(R"({ "split": "sometimes" })", mode);
    CHECK(has_error(mode, "/classes/0/phases/split", "sometimes"));
    Diagnostics half;
    load(R"({ "split": "auto", "forward": "2" })", half);
    CHECK(has_error(half, "/classes/0/phases", "both \"forward\" and \"backward\""));
    Diagnostics one;
    load(R"({ "split": "auto", "forward": "2", "backward": [] })", one);
    CHECK_FALSE(one.ok());
}
