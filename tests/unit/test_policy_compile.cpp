// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "policy/compiler.h"
#include "policy/parser.h"
#include "policy/validate.h"
#include "report/check_report.h"

using namespace llm::policy;

namespace {

Machine machine(unsigned cpus)
{
    Machine m;
    m.nr_possible_cpus = cpus;
    m.online_cpus.clear();
    for (unsigned c = 0; c < cpus; ++c)
        m.online_cpus.insert(c);
    m.mem_total_bytes = 64ull << 30;
    return m;
}

std::optional<CgroupRef> fake_cgroups(const std::string& path)
{
    static const std::map<std::string, CgroupRef> known = {
        {"/llm.slice/train", {1001, 2}},
        {"/llm.slice/serve", {1002, 2}},
    };
    auto it = known.find(path);
    return it == known.end() ? std::nullopt : std::optional<CgroupRef>(it->second);
}

std::string slurp(const std::filesystem::path& p)
{
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

Policy must_parse(const std::string& text, const Machine& m)
{
    Diagnostics d;
    auto p = parse_policy(text, d);
    if (p)
        resolve_and_validate(*p, m, d);
    INFO(d.format("policy"));
    REQUIRE(d.ok());
    return *p;
}

Diagnostics validation_errors(const std::string& text, const Machine& m)
{
    Diagnostics d;
    auto p = parse_policy(text, d);
    REQUIRE(p);
    resolve_and_validate(*p, m, d);
    return d;
}


}  // namespace

TEST_CASE("every shipped policy compiles to its golden plan")
{
    namespace fs = std::filesystem;
    fs::path root = LLM_SOURCE_DIR;
    std::vector<fs::path> files = {root / "configs/default.json"};
    for (const auto& e : fs::directory_iterator(root / "configs/examples"))
        files.push_back(e.path());
    for (const auto& f : files) {
        // default.json targets the 4-vCPU VM; the examples a 16-CPU host.
        auto m = machine(f.filename() == "default.json" ? 4 : 16);
        auto p = must_parse(slurp(f), m);
        auto plan = llm::report::describe_plan(p, compile(p, m, fake_cgroups, 1));
        auto golden = root / "tests/unit/golden" / (f.stem().string() + ".plan");
        if (std::getenv("LLM_UPDATE_GOLDEN")) {
            std::ofstream(golden) << plan;
            continue;
        }
        INFO("golden file " << golden << " (LLM_UPDATE_GOLDEN=1 regenerates it)");
        CHECK(plan == slurp(golden));
    }
}

TEST_CASE("compiled table: priorities, masks, rules and owners")
{
    auto m = machine(8);
    auto p = must_parse(R"({ "classes": [
        { "name": "low", "priority": 5, "match": [ { "uid": 7 } ] },
        { "name": "train", "priority": 90, "order": "fifo", "cpus": "0-5",
          "phases": { "forward": "0-1", "backward": "2-3" }, "cpus_exclusive": true,
          "match": [ { "cgroup_prefix": "/llm.slice/train" }, { "comm_prefix": "torch", "leader_comm_prefix": "py" },
                     { "cgroup_prefix": "/not/there" } ] },
        { "name": "rest", "priority": 10, "match": [ { "default": true } ] } ] })", m);
    auto c = compile(p, m, fake_cgroups, 7);
    const auto& t = *c.table;
    CHECK(t.generation == 7);
    CHECK(t.nr_classes == 3);
    CHECK(t.prio_order[0] == 1);
    CHECK(t.prio_order[1] == 2);
    CHECK(t.prio_order[2] == 0);
    CHECK(t.default_class == 2);
    CHECK(t.classes[1].cpus[LLM_PHASE_NONE].bits[0] == 0x3f);
    CHECK(t.classes[1].cpus[LLM_PHASE_FORWARD].bits[0] == 0x3);
    CHECK(t.classes[1].cpus[LLM_PHASE_BACKWARD].bits[0] == 0xc);
    CHECK(t.classes[1].cpus[LLM_PHASE_ANY].bits[0] == 0x3f);
    CHECK(t.classes[1].flags == (LLM_CLASS_EXCLUSIVE | LLM_CLASS_HAS_PHASES | LLM_CLASS_SOFT_PHASES));
    CHECK(t.classes[2].cpus[LLM_PHASE_NONE].bits[0] == 0xff);  // all online
    CHECK(t.classes[2].cpus[LLM_PHASE_FORWARD].bits[0] == 0xff);
    CHECK(t.cpu_owner[0] == 1);
    CHECK(t.cpu_owner[5] == 1);
    CHECK(t.cpu_owner[6] == -1);
    REQUIRE(t.nr_rules == 5);
    CHECK(t.rules[0].flags == LLM_MATCH_UID);
    CHECK(t.rules[0].uid == 7);
    CHECK(t.rules[1].flags == LLM_MATCH_CGROUP);
    CHECK(t.rules[1].cgroup_id == 1001);
    CHECK(t.rules[1].cgroup_level == 2);
    CHECK(t.rules[2].flags == (LLM_MATCH_COMM | LLM_MATCH_LEADER_COMM));
    CHECK(std::string(t.rules[2].comm) == "torch");
    CHECK(t.rules[2].comm_len == 5);
    CHECK(t.rules[3].flags == LLM_MATCH_NEVER);
    CHECK(t.rules[4].flags == LLM_MATCH_ALL);
    REQUIRE(c.notes.size() == 1);
    CHECK(c.notes[0].find("/not/there") != std::string::npos);
    // What the daemon compiles again for, once it has made class cgroups.
    CHECK(c.unresolved_cgroups == std::vector<std::string>{"/not/there"});
}

TEST_CASE("history slices compile to fixed-point ewma and scale")
{
    auto m = machine(2);
    auto p = must_parse(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ],
        "slice": { "mode": "history", "min_us": 200, "max_us": 8000, "ewma": 0.25, "scale": 1.5 } } ] })", m);
    auto compiled = compile(p, m, nullptr, 1);
    const auto& k = compiled.table->classes[0];
    CHECK(k.slice_mode == LLM_SLICE_HISTORY);
    CHECK(k.slice_min_ns == 200'000);
    CHECK(k.slice_max_ns == 8'000'000);
    CHECK(k.ewma_q10 == 256);
    CHECK(k.scale_q10 == 1536);
}

TEST_CASE("CPUs that do not exist are named with the online set")
{
    auto d = validation_errors(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ],
        "phases": { "forward": "0-1", "backward": "6-9" } } ] })", machine(4));
    CHECK(has_error(d, "/classes/0/phases/backward", "6-9"));
    CHECK(has_error(d, "/classes/0/phases/backward", "online CPUs here are 0-3"));
}

TEST_CASE("offline CPUs are left out with a note; a set with none online falls back")
{
    auto m = machine(4);
    m.online_cpus.erase(2);  // possible but offline, as after CPU hotplug
    auto p = must_parse(R"({ "classes": [
        { "name": "a", "match": [ { "comm_prefix": "a" } ], "cpus": "2-3", "phases": { "forward": "2", "backward": "3" } },
        { "name": "b", "match": [ { "default": true } ], "cpus": "2" } ] })", m);
    auto c = compile(p, m, nullptr, 1);
    const auto& t = *c.table;
    CHECK(t.classes[0].cpus[LLM_PHASE_NONE].bits[0] == 0b1000);
    CHECK(t.classes[0].cpus[LLM_PHASE_FORWARD].bits[0] == 0b1000);  // fell back to the class's online CPUs
    CHECK(t.classes[0].cpus[LLM_PHASE_BACKWARD].bits[0] == 0b1000);
    CHECK(t.classes[1].cpus[LLM_PHASE_NONE].bits[0] == 0b1011);     // fell back to every online CPU
    auto noted = [&](const std::string& what) {
        return std::any_of(c.notes.begin(), c.notes.end(), [&](const std::string& n) { return n == what; });
    };
    CHECK(noted("class a cpus: CPUs 2 offline; running on 3 until they are back"));
    CHECK(noted("class a forward: CPUs 2 are all offline; using the class's CPUs (3) until one is back"));
    CHECK(noted("class b cpus: CPUs 2 are all offline; using every online CPU (0-1,3) until one is back"));
}

TEST_CASE("overlapping phase sets and exclusive sets are rejected")
{
    auto d = validation_errors(R"({ "classes": [
        { "name": "a", "match": [ { "uid": 1 } ], "phases": { "forward": "0-2", "backward": "2-3" }, "cpus_exclusive": true },
        { "name": "b", "match": [ { "uid": 2 } ], "cpus": "3-5", "cpus_exclusive": true },
        { "name": "c", "match": [ { "default": true } ] } ] })", machine(8));
    CHECK(has_error(d, "/classes/0/phases/backward", "both phase sets"));
    CHECK(has_error(d, "/classes/1/cpus_exclusive", "also exclusive to /classes/0"));
}

TEST_CASE("duplicate names, unreachable classes and a missing catch-all")
{
    auto d = validation_errors(R"({ "classes": [
        { "name": "a", "match": [ { "default": true } ] },
        { "name": "a", "match": [ { "uid": 3 } ] } ] })", machine(2));
    CHECK(has_error(d, "/classes/1/name", "already used by /classes/0"));
    CHECK(has_error(d, "/classes/1", "can never match"));

    auto d2 = validation_errors(R"({ "classes": [ { "name": "a", "match": [ { "uid": 3 } ] } ] })", machine(2));
    CHECK(has_error(d2, "/classes", "no class catches"));
}

TEST_CASE("32 classes fit, and a policy may not exceed the rule table")
{
    std::string classes;
    for (int i = 0; i < 31; ++i)
        classes += R"({ "name": "c)" + std::to_string(i) + R"(", "match": [ { "uid": )" + std::to_string(i) + " } ] },";
    classes += R"({ "name": "rest", "match": [ { "default": true } ] })";
    auto m = machine(4);
    auto p = must_parse(R"({ "classes": [ )" + classes + " ] }", m);
    CHECK(compile(p, m, nullptr, 1).table->nr_classes == 32);

    std::string rules;
    for (int i = 0; i < 65; ++i)
        rules += std::string(i ? "," : "") + R"({ "uid": )" + std::to_string(i) + " }";
    auto d = validation_errors(R"({ "classes": [ { "name": "many", "match": [ )" + rules +
                                   R"( ] }, { "name": "rest", "match": [ { "default": true } ] } ] })", m);
    CHECK(has_error(d, "/classes", "at most 64 rules"));
}

TEST_CASE("phase sets are soft unless strict; --check says which")
{
    auto m = machine(4);
    auto p = must_parse(R"({ "classes": [
        { "name": "soft", "match": [ { "comm_prefix": "a" } ], "phases": { "forward": "0-1", "backward": "2-3" } },
        { "name": "strict", "match": [ { "comm_prefix": "b" } ],
          "phases": { "forward": "0-1", "backward": "2-3", "strict": true } },
        { "name": "nophases", "match": [ { "default": true } ] } ] })", m);
    auto c = compile(p, m, nullptr, 1);
    CHECK(c.table->classes[0].flags == (LLM_CLASS_HAS_PHASES | LLM_CLASS_SOFT_PHASES));
    CHECK(c.table->classes[1].flags == LLM_CLASS_HAS_PHASES);
    CHECK(c.table->classes[2].flags == 0);
    auto plan = llm::report::describe_plan(p, c);
    CHECK(plan.find("backward 2-3 (soft: each lends the other its idle CPUs)") != std::string::npos);
    CHECK(plan.find("backward 2-3 (strict)") != std::string::npos);
    Diagnostics d;
    (void)parse_policy(R"({ "classes": [ { "name": "x", "match": [ { "default": true } ],
        "phases": { "forward": "0", "backward": "1", "strict": "yes" } } ] })", d);
    CHECK(has_error(d, "/classes/0/phases/strict", "expected true or false"));
}

TEST_CASE("phase roles compile into the class, first match first; --check shows them")
{
    auto m = machine(4);
    auto p = must_parse(R"({ "classes": [
        { "name": "train", "match": [ { "comm_prefix": "pt_" } ], "phases": { "forward": "0-1", "backward": "2-3",
          "roles": [ { "comm_prefix": "pt_autograd_", "phase": "backward" }, { "comm_prefix": "pt_fwd", "phase": "forward" } ] } },
        { "name": "rest", "match": [ { "default": true } ] } ] })", m);
    auto c = compile(p, m, nullptr, 1);
    const auto& k = c.table->classes[0];
    REQUIRE(k.nr_roles == 2);
    CHECK(std::string(k.roles[0].comm, k.roles[0].comm_len) == "pt_autograd_");
    CHECK(k.roles[0].phase == LLM_PHASE_BACKWARD);
    CHECK(std::string(k.roles[1].comm, k.roles[1].comm_len) == "pt_fwd");
    CHECK(k.roles[1].phase == LLM_PHASE_FORWARD);
    CHECK(c.table->classes[1].nr_roles == 0);
    CHECK(llm::report::describe_plan(p, c).find("roles: pt_autograd_* backward, pt_fwd* forward") != std::string::npos);
}
