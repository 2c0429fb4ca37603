// SPDX-License-Identifier: GPL-2.0-only
// The reload transaction with fake ports that fail on command at each step:
// what runs in which order, and that a refused reload leaves the live
// generation everywhere, or says loudly that it could not.
#include <catch2/catch_test_macros.hpp>

#include <set>
#include <string>
#include <vector>

#include "fixture_root.h"
#include "service/endpoints.h"
#include "service/reload_transaction.h"

using llm::service::ReloadOutcome;
namespace util = llm::util;

namespace {

// What the fakes did, and which of their calls fail.
struct Script {
    std::vector<std::string> journal;
    std::set<std::string> fail;  // e.g. "memory.apply next"

    util::Status call(const std::string& what)
    {
        journal.push_back(what);
        if (fail.count(what))
            return util::error(what + " failed (as told)");
        return {};
    }
};

// A policy's identity in the fakes: its cgroup root.
std::string name_of(const llm::policy::Policy& p) { return p.memory.cgroup_root; }

struct FakeTables final : llm::service::TablesPort {
    Script& s;
    uint64_t live = 1;
    explicit FakeTables(Script& sc) : s(sc) {}
    util::Status push(const llm_policy& t) override
    {
        auto st = s.call("tables.push " + std::to_string(t.generation));
        if (st)
            live = t.generation;
        return st;
    }
    util::Status restore(const llm_policy& t) override
    {
        auto st = s.call("tables.restore " + std::to_string(t.generation));
        if (st)
            live = t.generation;
        return st;
    }
};

struct FakeMemory final : llm::service::MemoryPort {
    Script& s;
    std::string host = "live";  // what the host matches
    explicit FakeMemory(Script& sc) : s(sc) {}
    util::Status check(const llm::policy::Policy& p) override { return s.call("memory.check " + name_of(p)); }
    util::Status apply(const llm::policy::Policy& p, const char*) override
    {
        auto st = s.call("memory.apply " + name_of(p));
        host = st ? name_of(p) : "half of " + name_of(p);  // a failed apply stops half-way
        return st;
    }
};

struct FakeEndpoints final : llm::service::EndpointsPort {
    Script& s;
    std::string live = "live", staged, replaced;
    size_t open = 0;  // endpoints opened and not yet closed, beyond the live ones
    explicit FakeEndpoints(Script& sc) : s(sc) {}
    util::Status stage(const llm::policy::DaemonSpec& d) override
    {
        staged = d.control_group.value_or("");
        ++open;
        return s.call("endpoints.stage " + staged);
    }
    util::Status commit() override
    {
        auto st = s.call("endpoints.commit");
        if (st) {
            replaced = live;
            live = staged;
        }
        return st;
    }
    util::Status undo() override
    {
        auto st = s.call("endpoints.undo");
        if (st && !replaced.empty())
            live = replaced;
        return st;
    }
    void finish() override
    {
        s.journal.push_back("endpoints.finish");
        open = 0;
        replaced.clear();
    }
};

struct World {
    Script script;
    FakeTables tables{script};
    FakeMemory memory{script};
    FakeEndpoints endpoints{script};
    llm::policy::Policy live_policy, next_policy;
    llm_policy live_table{}, next_table{};

    World()
    {
        live_policy.memory.cgroup_root = "live";
        next_policy.memory.cgroup_root = "next";
        live_policy.daemon.control_group = "live";
        next_policy.daemon.control_group = "next";
        live_table.generation = 1;
        next_table.generation = 2;
    }
    ReloadOutcome run()
    {
        return llm::service::run_reload_transaction({live_policy, live_table, next_policy, next_table},
                                                    {tables, memory, endpoints});
    }
    // Everything back on the live generation, nothing staged left open.
    [[nodiscard]] bool all_live() const
    {
        return tables.live == 1 && memory.host == "live" && endpoints.live == "live" && endpoints.open == 0;
    }
};

}  // namespace

TEST_CASE("reload transaction: stage, then commit tables, memory, endpoints")
{
    World w;
    auto out = w.run();
    REQUIRE(out.ok);
    CHECK(out.rollback_errors.empty());
    CHECK(w.script.journal == std::vector<std::string>{"memory.check next", "endpoints.stage next", "tables.push 2",
                                                       "memory.apply next", "endpoints.commit", "endpoints.finish"});
    CHECK(w.tables.live == 2);
    CHECK(w.memory.host == "next");
    CHECK(w.endpoints.live == "next");
    CHECK(w.endpoints.open == 0);  // the replaced endpoints were closed
}

TEST_CASE("reload transaction: a failure while staging changes nothing")
{
    for (const char* step : {"memory.check next", "endpoints.stage next"}) {
        World w;
        w.script.fail = {step};
        auto out = w.run();
        INFO(step);
        REQUIRE_FALSE(out.ok);
        CHECK(out.error == std::string(step) + " failed (as told)");
        CHECK_FALSE(out.tables_pushed);  // the next generation's number was never used
        CHECK(out.rollback_errors.empty());
        CHECK(w.all_live());
        for (const auto& call : w.script.journal)
            CHECK((call.rfind("tables.", 0) != 0 && call.rfind("memory.apply", 0) != 0));
    }
}

TEST_CASE("reload transaction: a failed commit step is undone with every step before it, in reverse")
{
    struct Case {
        const char* fail;
        const char* step;
        const char* reason;              // what the client reads
        std::vector<std::string> after;  // the journal from the failing call on
    };
    const Case cases[] = {
        {"tables.push 2",
         "push tables",
         "cannot push the new tables: tables.push 2 failed (as told)",
         {"tables.push 2", "tables.restore 1", "endpoints.finish"}},
        {"memory.apply next",
         "apply memory",
         "memory: memory.apply next failed (as told)",
         {"memory.apply next", "memory.apply live", "tables.restore 1", "endpoints.finish"}},
        {"endpoints.commit",
         "commit endpoints",
         "endpoints.commit failed (as told)",
         {"endpoints.commit", "endpoints.undo", "memory.apply live", "tables.restore 1", "endpoints.finish"}},
    };
    for (const auto& c : cases) {
        World w;
        w.script.fail = {c.fail};
        auto out = w.run();
        INFO(c.fail);
        REQUIRE_FALSE(out.ok);
        CHECK(out.failed_step == c.step);
        CHECK(out.reason == c.reason);
        CHECK(out.tables_pushed);
        CHECK(out.rollback_errors.empty());
        CHECK(w.all_live());
        auto& j = w.script.journal;
        auto at = std::find(j.begin(), j.end(), c.fail);
        REQUIRE(at != j.end());
        CHECK(std::vector<std::string>(at, j.end()) == c.after);
    }
}

TEST_CASE("reload transaction: a rollback that fails is reported, and the other undo steps still run")
{
    World w;
    w.script.fail = {"endpoints.commit", "memory.apply live"};
    auto out = w.run();
    REQUIRE_FALSE(out.ok);
    CHECK(out.failed_step == "commit endpoints");
    REQUIRE(out.rollback_errors.size() == 1);
    CHECK(out.rollback_errors[0] == "undo apply memory: memory.apply live failed (as told)");
    CHECK(w.tables.live == 1);          // undone after the memory undo failed
    CHECK(w.endpoints.live == "live");  // undone before it
    CHECK(w.memory.host == "half of live");

    World v;
    v.script.fail = {"memory.apply next", "tables.restore 1"};
    out = v.run();
    REQUIRE(out.rollback_errors.size() == 1);
    CHECK(out.rollback_errors[0].find("undo push tables") == 0);
    CHECK(v.memory.host == "live");
}

// The real endpoints port, rootless: a metrics listener and a file watch
// staged beside the live ones, swapped in, and swapped back by undo.
TEST_CASE("endpoints: undo brings back the live metrics listener and watch, finish closes the staged ones")
{
    FixtureRoot root;
    root.write("/policy.json", "{}");
    llm::service::Endpoints e(root.at("/policy.json"));
    llm::policy::DaemonSpec live;
    live.watch_config = false;
    live.metrics_listen = llm::policy::Endpoint{"127.0.0.1", 0};
    REQUIRE(e.stage(live));
    REQUIRE(e.commit());
    e.finish();
    REQUIRE(e.metrics());
    int live_fd = e.metrics()->fd();
    CHECK_FALSE(e.watching());

    llm::policy::DaemonSpec next;
    next.watch_config = true;
    next.metrics_listen = llm::policy::Endpoint{"127.0.0.2", 0};
    REQUIRE(e.stage(next));
    CHECK(e.metrics()->fd() == live_fd);  // staging swaps nothing
    CHECK_FALSE(e.watching());
    REQUIRE(e.commit());
    CHECK(e.metrics()->endpoint().host == "127.0.0.2");
    CHECK(e.watching());
    REQUIRE(e.undo());
    e.finish();
    REQUIRE(e.metrics());
    CHECK(e.metrics()->fd() == live_fd);
    CHECK(e.metrics()->endpoint().host == "127.0.0.1");
    CHECK_FALSE(e.watching());

    // A committed change closes what it replaced.
    REQUIRE(e.stage(next));
    REQUIRE(e.commit());
    e.finish();
    CHECK(e.metrics()->endpoint().host == "127.0.0.2");
    CHECK(e.watching());
}
