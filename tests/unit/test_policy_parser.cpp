// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "policy/parser.h"

using namespace llm::policy;

namespace {

struct Result {
    std::optional<Policy> policy;
    Diagnostics diags;
};

Result parse(const std::string& text)
{
    Result r;
    r.policy = parse_policy(text, r.diags);
    return r;
}


const char* kMinimal = R"({ "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })";

}  // namespace

TEST_CASE("a minimal policy parses with defaults")
{
    auto r = parse(kMinimal);
    REQUIRE(r.policy);
    CHECK(r.policy->scheduler.enabled);
    CHECK(r.policy->scheduler.starvation_ns == 200'000'000);
    REQUIRE(r.policy->classes.size() == 1);
    CHECK(r.policy->classes[0].match[0].catch_all);
    CHECK(r.policy->classes[0].order == Order::Fair);
}

TEST_CASE("a full class parses every field")
{
    auto r = parse(R"({
      "scheduler": { "watchdog_ms": "4s", "starvation_ms": 150, "default_slice_us": "2ms" },
      "classes": [
        { "name": "train", "priority": 90, "order": "fifo",
          "match": [ { "cgroup_prefix": "/llm.slice/train" }, { "comm_prefix": "torch", "uid": 1000 } ],
          "slice": { "mode": "history", "min_us": 500, "max_us": 20000, "ewma": 0.5, "scale": 2 },
          "cpus": [0, 1, 2, 3], "phases": { "forward": "0-1", "backward": "2-3" }, "cpus_exclusive": true },
        { "name": "rest", "match": [ { "default": true } ], "order": "rr" } ] })");
    REQUIRE(r.policy);
    const auto& s = r.policy->scheduler;
    CHECK(s.watchdog_ns == 4'000'000'000);
    CHECK(s.starvation_ns == 150'000'000);
    const auto& c = r.policy->classes[0];
    CHECK(c.priority == 90);
    CHECK(c.order == Order::Fifo);
    CHECK(c.slice.mode == SliceMode::History);
    CHECK(c.slice.ewma == 0.5);
    CHECK(*c.cpus == std::set<unsigned>{0, 1, 2, 3});
    CHECK(*c.forward == std::set<unsigned>{0, 1});
    CHECK(c.cpus_exclusive);
    CHECK(c.match[1].comm_prefix == "torch");
    CHECK(c.match[1].uid == 1000u);
    CHECK(r.policy->classes[1].order == Order::RoundRobin);
    CHECK(r.policy->classes[1].slice.fixed_ns == 2'000'000);
}

TEST_CASE("syntax errors give line and column")
{
    auto r = parse("{\n  \"classes\": [\n    { \"name\": \"x\", }\n  ]\n}\n");
    REQUIRE_FALSE(r.policy);
    REQUIRE(r.diags.items().size() == 1);
    CHECK(r.diags.items()[0].what.find("line 3, column") != std::string::npos);
}

TEST_CASE("a number beyond a double is an error with its position, not a crash (found by fuzz_policy)")
{
    auto r = parse("{\n  \"classes\": [ { \"name\": \"x\", \"priority\": 7E333 } ]\n}\n");
    REQUIRE_FALSE(r.policy);
    REQUIRE(r.diags.items().size() == 1);
    CHECK(r.diags.items()[0].what == "a number too large for JSON at line 2, column 43: 7E333");
    CHECK(r.diags.items()[0].fix.find("1.8e308") != std::string::npos);
}

TEST_CASE("an empty or blank file is reported as empty")
{
    for (const char* text : {"", "  \n\t"}) {
        auto r = parse(text);
        REQUIRE_FALSE(r.policy);
        CHECK(has_error(r.diags, "/", "empty"));
    }
}

TEST_CASE("a half-written file is a syntax error, not a crash")
{
    std::string full = R"({ "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })";
    for (size_t cut = 1; cut < full.size() - 1; ++cut) {
        auto r = parse(full.substr(0, cut));
        CHECK_FALSE(r.policy);
        CHECK_FALSE(r.diags.ok());
    }
}

TEST_CASE("unknown keys are rejected with a did-you-mean")
{
    auto r = parse(R"({ "schedular": {}, "classes": [ { "name": "a", "prority": 5, "match": [ { "default": true } ] } ] })");
    REQUIRE_FALSE(r.policy);
    CHECK(has_error(r.diags, "/schedular", "did you mean \"scheduler\""));
    CHECK(has_error(r.diags, "/classes/0/prority", "did you mean \"priority\""));
}

TEST_CASE("all errors are reported at once, each with its path")
{
    auto r = parse(R"({ "scheduler": { "enabled": "yes", "watchdog_ms": -5 },
      "classes": [ { "name": "a", "priority": 150, "order": "lifo", "match": [ { "default": true } ],
                     "slice": { "mode": "history", "min_us": 9000, "max_us": 100, "ewma": 3 },
                     "phases": { "forward": "3-1" } } ] })");
    REQUIRE_FALSE(r.policy);
    CHECK(has_error(r.diags, "/scheduler/enabled", "true or false"));
    CHECK(has_error(r.diags, "/scheduler/watchdog_ms", "duration"));
    CHECK(has_error(r.diags, "/classes/0/priority", "from 0 to 99"));
    CHECK(has_error(r.diags, "/classes/0/order", "\"fair\""));
    CHECK(has_error(r.diags, "/classes/0/slice/min_us", "min_us <= max_us"));
    CHECK(has_error(r.diags, "/classes/0/slice/ewma", "from 0.01 to 1"));
    CHECK(has_error(r.diags, "/classes/0/phases/forward", "backwards"));
    CHECK(has_error(r.diags, "/classes/0/phases", "both"));
    CHECK(r.diags.items().size() >= 8);
}

TEST_CASE("wrong types name what was found")
{
    auto r = parse(R"({ "classes": [ { "name": 7, "match": { "default": true }, "cpus": true } ] })");
    REQUIRE_FALSE(r.policy);
    CHECK(has_error(r.diags, "/classes/0/name", "found an integer"));
    CHECK(has_error(r.diags, "/classes/0/match", "non-empty array"));
    CHECK(has_error(r.diags, "/classes/0/cpus", "found a boolean"));
}

TEST_CASE("match rules must be meaningful")
{
    auto r = parse(R"({ "classes": [ { "name": "a", "match": [ {}, { "default": true, "uid": 1 },
        { "cgroup_prefix": "llm.slice" }, { "comm_prefix": "a_name_longer_than_15" } ] } ] })");
    REQUIRE_FALSE(r.policy);
    CHECK(has_error(r.diags, "/classes/0/match/0", "no condition"));
    CHECK(has_error(r.diags, "/classes/0/match/1", "cannot be combined"));
    CHECK(has_error(r.diags, "/classes/0/match/2/cgroup_prefix", "absolute"));
    CHECK(has_error(r.diags, "/classes/0/match/3/comm_prefix", "15"));
}

TEST_CASE("the guard's share is a per cent from 0 to 50, and starvation_ms at least 20 ms")
{
    auto ok = parse(R"({ "scheduler": { "guard_share_pct": 5 }, "classes": [ { "name": "b", "match": [ { "default": true } ] } ] })");
    REQUIRE(ok.policy);
    CHECK(ok.policy->scheduler.guard_share_pct == 5);
    auto def = parse(R"({ "classes": [ { "name": "b", "match": [ { "default": true } ] } ] })");
    REQUIRE(def.policy);
    CHECK(def.policy->scheduler.guard_share_pct == 2);
    auto high = parse(R"({ "scheduler": { "guard_share_pct": 60 }, "classes": [ { "name": "b", "match": [ { "default": true } ] } ] })");
    CHECK(has_error(high.diags, "/scheduler/guard_share_pct", "out of range"));
    auto tiny = parse(R"({ "scheduler": { "starvation_ms": 5 }, "classes": [ { "name": "b", "match": [ { "default": true } ] } ] })");
    CHECK(has_error(tiny.diags, "/scheduler/starvation_ms", "out of range"));
}

TEST_CASE("starvation guard must fire before the kernel watchdog")
{
    auto r = parse(R"({ "scheduler": { "watchdog_ms": 1000, "starvation_ms": 2000 },
                        "classes": [ { "name": "a", "match": [ { "default": true } ] } ] })");
    REQUIRE_FALSE(r.policy);
    CHECK(has_error(r.diags, "/scheduler/starvation_ms", "watchdog"));
}

TEST_CASE("diagnostics format as file: path: what (fix)")
{
    Diagnostics d;
    d.error("/classes/2/phases/forward", "CPU 99 does not exist", "online CPUs here are 0-3");
    CHECK(d.format("p.json") == "p.json: /classes/2/phases/forward: CPU 99 does not exist (online CPUs here are 0-3)\n");
}

TEST_CASE("edit distance")
{
    CHECK(edit_distance("prority", "priority") == 1);
    CHECK(edit_distance("", "abc") == 3);
    CHECK(edit_distance("same", "same") == 0);
}

TEST_CASE("the daemon section: reload watching, control group, loopback metrics")
{
    auto r = parse(R"({ "daemon": { "watch_config": false, "reload_debounce_ms": "1s", "control_group": "llm",
                                    "metrics_listen": "[::1]:9464" },
                        "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })");
    REQUIRE(r.policy);
    const auto& d = r.policy->daemon;
    CHECK_FALSE(d.watch_config);
    CHECK(d.reload_debounce_ns == 1'000'000'000);
    CHECK(d.control_group == "llm");
    REQUIRE(d.metrics_listen);
    CHECK(d.metrics_listen->host == "::1");
    CHECK(d.metrics_listen->port == 9464);

    auto defaults = parse(kMinimal);
    REQUIRE(defaults.policy);
    CHECK(defaults.policy->daemon.watch_config);
    CHECK_FALSE(defaults.policy->daemon.control_group);
    CHECK_FALSE(defaults.policy->daemon.metrics_listen);
}

TEST_CASE("metrics never listen beyond loopback, and group names are checked")
{
    for (const char* bad : {"0.0.0.0:9464", "10.0.0.1:9464", "127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000",
                            "[::]:9464", "localhost:http"}) {
        auto r = parse(std::string(R"({ "daemon": { "metrics_listen": ")") + bad +
                       R"(" }, "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })");
        INFO(bad);
        CHECK_FALSE(r.policy);
        CHECK(has_error(r.diags, "/daemon/metrics_listen", "loopback"));
    }
    auto ok = parse(R"({ "daemon": { "metrics_listen": "localhost:9100" },
                         "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })");
    REQUIRE(ok.policy);
    CHECK(ok.policy->daemon.metrics_listen->host == "127.0.0.1");

    auto group = parse(R"({ "daemon": { "control_group": "Bad Group", "reload_debounce_ms": 1 },
                            "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })");
    CHECK(has_error(group.diags, "/daemon/control_group", "not a valid group name"));
    CHECK(has_error(group.diags, "/daemon/reload_debounce_ms", "out of range"));
    auto typo = parse(R"({ "daemon": { "watch_confg": true }, "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })");
    CHECK(has_error(typo.diags, "/daemon/watch_confg", "did you mean \"watch_config\"?"));
}

TEST_CASE("phase roles: each broken role is named with its path")
{
    auto d = parse(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ],
        "phases": { "forward": "0", "backward": "1", "roles": [
          { "comm_prefix": "pt_autograd_", "phase": "sideways" },
          { "phase": "forward" },
          { "comm_prefix": "a_very_long_thread_name", "phase": "backward" },
          { "comm_prefix": "x", "phase": "forward", "cpus": "0" },
          { "comm_prefix": "y", "phase": "forward" } ] } } ] })").diags;
    CHECK(has_error(d, "/classes/0/phases/roles", "at most 4 roles"));
    CHECK(has_error(d, "/classes/0/phases/roles/0/phase", "\"backward\""));
    CHECK(has_error(d, "/classes/0/phases/roles/1", "needs \"comm_prefix\""));
    CHECK(has_error(d, "/classes/0/phases/roles/2/comm_prefix", "1 to 15 characters"));
    CHECK(has_error(d, "/classes/0/phases/roles/3/cpus", "unknown"));
    auto e = parse(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ],
        "phases": { "forward": "0", "backward": "1", "roles": [] } } ] })").diags;
    CHECK(has_error(e, "/classes/0/phases/roles", "non-empty array"));
}

TEST_CASE("comment notes (\"$comment\") are allowed in objects with fixed keys, and must be strings")
{
    auto ok = parse(R"({ "$comment": "top", "scheduler": { "$comment": "s", "starvation_ms": 200 },
        "classes": [ { "$comment": "c", "name": "a", "match": [ { "$comment": "r", "default": true } ],
                       "phases": { "$comment": "p", "forward": "0", "backward": "1" } } ] })");
    CHECK(ok.policy);
    auto bad = parse(R"({ "classes": [ { "$comment": 5, "name": "a", "match": [ { "default": true } ] } ] })");
    CHECK_FALSE(bad.policy);
    CHECK(has_error(bad.diags, "/classes/0/$comment", "expected a string"));
    // Where keys are names (sysctls are fixed keys too; hugetlb sizes are not), a note is not a name.
    auto sizes = parse(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ],
        "memory": { "hugetlb": { "$comment": "x" } } } ] })");
    CHECK_FALSE(sizes.policy);
}
