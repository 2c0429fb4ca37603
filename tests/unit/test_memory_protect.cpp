// SPDX-License-Identifier: GPL-2.0-only
// Memory that follows pressure: the PSI reader and trigger (plan/psi.h),
// the memory.high controller (plan/memory_protect.h) fed recorded pressure
// sequences, and "memory": {"protect": ...} in the policy.
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "plan/memory_protect.h"
#include "plan/psi.h"
#include "policy/parser.h"
#include "policy/validate.h"

using namespace llm::plan;

namespace {

constexpr uint64_t kMiB = 1024 * 1024;

ProtectTuning tuning(uint64_t floor_mib, double step = 0.1)
{
    ProtectTuning t;
    t.floor = floor_mib * kMiB;
    t.step = step;
    return t;
}

}  // namespace

TEST_CASE("psi: the some line of memory.pressure, and the trigger for a target")
{
    auto s = parse_psi_some("some avg10=12.50 avg60=3.01 avg300=0.70 total=4567890\n"
                            "full avg10=1.00 avg60=0.20 avg300=0.05 total=123\n");
    REQUIRE(s);
    CHECK(s->avg10 == 12.5);
    CHECK(s->total_us == 4567890);
    CHECK(!parse_psi_some("full avg10=1.00 avg60=0.20 avg300=0.05 total=123\n"));
    CHECK(!parse_psi_some("some avg10=x avg60=0 avg300=0 total=1\n"));
    CHECK(!parse_psi_some(""));
    CHECK(psi_trigger(5, 1'000'000) == "some 50000 1000000");
    CHECK(psi_trigger(5, 100) == "some 25000 500000");    // windows start at 500 ms
    CHECK(psi_trigger(0.0001, 2'000'000) == "some 2 2000000");
}

TEST_CASE("memory protect: pressure lowers a hog in bounded steps down to the floor, calm raises and lifts it")
{
    HighController c(tuning(200), std::nullopt);
    CHECK(c.step(0.3, 600 * kMiB).action == HighAction::hold);  // calm: nothing to do
    CHECK(!c.imposed());
    // Pressure: from its usage, 10% a step, never under the floor.
    auto d = c.step(2.0, 600 * kMiB);
    CHECK(d.action == HighAction::lower);
    CHECK(d.high == 540 * kMiB);
    uint64_t last = d.high;
    int lowers = 1;
    for (int i = 0; i < 30; ++i) {
        d = c.step(3.0, 600 * kMiB);
        if (d.action != HighAction::lower)
            break;
        CHECK(d.high < last);
        CHECK(d.high >= last - last / 10 - 4096);  // bounded step
        CHECK(d.high >= 200 * kMiB);
        last = d.high;
        ++lowers;
    }
    CHECK(last == 200 * kMiB);
    CHECK(d.action == HighAction::hold);  // at the floor
    CHECK(d.why.find("at the floor") != std::string::npos);
    CHECK(lowers == int(c.lowered()));
    // Inside the band (under the target, over the release): it holds.
    CHECK(c.step(0.8, 600 * kMiB).action == HighAction::hold);
    // Calm: a raise needs two calm samples in a row; one warm sample resets.
    CHECK(c.step(0.3, 600 * kMiB).action == HighAction::hold);
    CHECK(c.step(0.7, 600 * kMiB).action == HighAction::hold);
    CHECK(c.step(0.3, 600 * kMiB).action == HighAction::hold);
    d = c.step(0.3, 600 * kMiB);
    CHECK(d.action == HighAction::raise);
    CHECK(d.high == 220 * kMiB);
    // It climbs back to where it started, then the policy's value (max) returns.
    for (int i = 0; i < 40 && d.action == HighAction::raise; ++i)
        d = c.step(0.1, 600 * kMiB);
    CHECK(d.action == HighAction::lift);
    CHECK(d.why.find("back to max") != std::string::npos);
    CHECK(!c.imposed());
    CHECK(c.step(0.1, 600 * kMiB).action == HighAction::hold);
}

TEST_CASE("memory protect: the policy's own memory.high bounds both ends; small classes move 1 MiB at least")
{
    HighController c(tuning(64), 300 * kMiB);
    auto d = c.step(1.5, 900 * kMiB);  // usage above its own high: start from the high
    CHECK(d.high == 270 * kMiB);
    CHECK(c.step(0.0, 900 * kMiB).action == HighAction::hold);  // 1 of 2 calm samples
    d = c.step(0.0, 900 * kMiB);
    CHECK(d.high == 297 * kMiB);
    d = c.step(0.0, 900 * kMiB);
    CHECK(d.action == HighAction::lift);
    CHECK(d.why.find("back to 300M") != std::string::npos);

    HighController tiny(tuning(1), std::nullopt);
    d = tiny.step(5, 4 * kMiB);
    CHECK(d.high == 3 * kMiB);
    d = tiny.step(5, 4 * kMiB);
    CHECK(d.high == 2 * kMiB);
}

TEST_CASE("memory protect in the policy: parsed, and refused with paths and fixes")
{
    using namespace llm::policy;
    Machine m;
    m.nr_possible_cpus = 2;
    m.online_cpus = {0, 1};
    m.mem_total_bytes = 8ull << 30;
    auto load_policy = [&](const std::string& train_memory, const std::string& batch_memory, Diagnostics& d) {
        auto p = parse_policy(R"({ "classes": [
            { "name": "train", "priority": 90, "match": [ { "comm_prefix": "t" } ], "memory": )" + train_memory + R"( },
            { "name": "batch", "priority": 20, "match": [ { "comm_prefix": "b" } ])" +
                                  (batch_memory.empty() ? "" : ", \"memory\": " + batch_memory) + R"( },
            { "name": "rest", "priority": 10, "match": [ { "default": true } ] } ] })",
                              d);
        if (p && d.ok())
            resolve_and_validate(*p, m, d);
        return p;
    };
    Diagnostics ok;
    auto p = load_policy(R"({ "protect": { "psi_some_avg10_max": 5, "floor": "256M", "step": 0.05, "interval_ms": 500 } })",
                         R"({ "high": "2G" })", ok);
    INFO(ok.format("policy"));
    REQUIRE(ok.ok());
    REQUIRE(p->classes[0].memory->protect);
    CHECK(p->classes[0].memory->protect->psi_some_avg10_max == 5);
    CHECK(p->classes[0].memory->protect->floor == 256 * kMiB);
    CHECK(p->classes[0].memory->protect->step == 0.05);
    CHECK(p->classes[0].memory->protect->interval_ns == 500'000'000);

    Diagnostics above;
    load_policy(R"({ "protect": { "psi_some_avg10_max": 5, "floor": "4G" } })", R"({ "high": "2G" })", above);
    CHECK(has_error(above, "/classes/0/memory/protect/floor", "above memory.high 2G of lower class batch"));
    Diagnostics nothing;
    load_policy(R"({ "protect": { "psi_some_avg10_max": 5, "floor": "1G" } })", "", nothing);
    CHECK(has_error(nothing, "/classes/0/memory/protect", "no class of lower priority has a memory section"));
    Diagnostics bad;
    load_policy(R"({ "protect": { "psi_some_avg10_max": 150, "step": 0.9 } })", R"({ "high": "2G" })", bad);
    CHECK(has_error(bad, "/classes/0/memory/protect/psi_some_avg10_max", "from 0.1 to 100"));
    CHECK(has_error(bad, "/classes/0/memory/protect/step", "from 0.01 to 0.5"));
    CHECK(has_error(bad, "/classes/0/memory/protect/floor", "needs a floor"));
}
