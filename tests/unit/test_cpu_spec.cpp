// SPDX-License-Identifier: GPL-2.0-only
// CPU sets relative to the machine, and the shipped default policy on any host.
#include <catch2/catch_test_macros.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "has_error.h"
#include "policy/compiler.h"
#include "policy/cpu_spec.h"
#include "policy/parser.h"
#include "policy/units.h"
#include "policy/validate.h"
#include "report/example_policy.h"

using namespace llm::policy;

namespace {

Machine machine(std::set<unsigned> online, std::map<unsigned, std::set<unsigned>> nodes = {})
{
    Machine m;
    m.online_cpus = online;
    m.nr_possible_cpus = *online.rbegin() + 1;
    m.mem_total_bytes = 16ull << 30;
    if (nodes.empty())
        nodes[0] = online;
    m.node_cpus = nodes;
    m.numa_nodes.clear();
    for (const auto& [n, _] : nodes)
        m.numa_nodes.insert(n);
    return m;
}

Machine cpus(unsigned n)
{
    std::set<unsigned> s;
    for (unsigned c = 0; c < n; ++c)
        s.insert(c);
    return machine(s);
}

std::string set_of(const char* text, const Machine& m)
{
    auto r = resolve_cpu_text(text, m);
    return r ? format_cpu_list(*r) : "error: " + r.error();
}

}  // namespace

TEST_CASE("relative CPU sets: halves, ranges and counts by position among the online CPUs")
{
    auto m16 = cpus(16);
    CHECK(set_of("all", m16) == "0-15");
    CHECK(set_of("first half", m16) == "0-7");
    CHECK(set_of("last half", m16) == "8-15");
    CHECK(set_of("second half", m16) == "8-15");
    CHECK(set_of("0%-75%", m16) == "0-11");
    CHECK(set_of("75%-100%", m16) == "12-15");
    CHECK(set_of("0%-37.5%", m16) == "0-5");
    CHECK(set_of("first 25%", m16) == "0-3");
    CHECK(set_of("last 25%", m16) == "12-15");
    CHECK(set_of("all but 2", m16) == "0-13");
    CHECK(set_of(" first half ", m16) == "0-7");
    // Positions, not numbers: CPUs 2 and 3 are offline here.
    auto gaps = machine({0, 1, 4, 5, 6, 7});
    CHECK(set_of("first half", gaps) == "0-1,4");
    CHECK(set_of("last half", gaps) == "5-7");
    CHECK(set_of("all but 1", gaps) == "0-1,4-6");
}

TEST_CASE("relative CPU sets: halves and adjacent ranges never overlap and cover every CPU, at least one each")
{
    for (unsigned n : {2u, 3u, 5u, 7u, 16u, 97u, 256u}) {
        auto m = cpus(n);
        INFO(n << " CPUs");
        // Each range holds a CPU by itself here (ranges bumped to one CPU may meet).
        std::vector<std::pair<const char*, const char*>> pairs = {{"first half", "last half"}, {"0%-50%", "50%-100%"}};
        if (n >= 10)
            pairs.insert(pairs.end(), {{"0%-25%", "25%-100%"}, {"first 10%", "10%-100%"}});
        for (auto [a, b] : pairs) {
            auto x = *resolve_cpu_text(a, m), y = *resolve_cpu_text(b, m);
            CHECK_FALSE(x.empty());
            CHECK_FALSE(y.empty());
            std::set<unsigned> both(x);
            both.insert(y.begin(), y.end());
            CHECK(both.size() == x.size() + y.size());
            CHECK(both == m.online_cpus);
        }
    }
    auto one = cpus(1);
    CHECK(set_of("first half", one) == "0");
    CHECK(set_of("last half", one) == "0");
    CHECK(set_of("first 1%", cpus(16)) == "0");  // rounds down, but never to nothing
}

TEST_CASE("relative CPU sets: NUMA nodes")
{
    auto m = machine({0, 1, 2, 3, 4, 5, 6, 7}, {{0, {0, 1, 2, 3}}, {1, {4, 5, 6, 7}}});
    CHECK(set_of("node1", m) == "4-7");
    CHECK(set_of("node0, node1", m) == "0-7");
    CHECK(set_of("node2", m).find("NUMA node 2 does not exist on this machine (nodes here: 0-1)") !=
          std::string::npos);
    m.online_cpus = {0, 1, 2, 3};
    CHECK(set_of("node1", m).find("has no online CPU") != std::string::npos);
}

TEST_CASE("relative CPU sets: every malformed form is refused with the forms that work")
{
    auto m = cpus(4);
    for (const char* bad : {"half", "first  half", "first 101%", "first -5%", "first 5", "all but", "all but -1",
                            "all but two", "25%-", "%-50%", "0-3,node1", "node", "node 0", "nodeX", "node0,", "50%-25%",
                            "sideways"}) {
        INFO(bad);
        CHECK(set_of(bad, m).rfind("error: ", 0) == 0);
    }
    CHECK(set_of("50%-25%", m).find("runs from high to low") != std::string::npos);
    CHECK(set_of("all but 4", m).find("leaves no CPU: this machine has 4 online (0-3)") != std::string::npos);
    CHECK(set_of("sideways", m).find("\"first half\"") != std::string::npos);
    CHECK_FALSE(is_relative_cpu_text("0-3, 8\t"));
    CHECK(is_relative_cpu_text("first half"));
}

TEST_CASE("a policy with relative sets resolves at its paths, and the compiler says what they became")
{
    auto m = cpus(8);
    Diagnostics d;
    auto p = parse_policy(R"({ "classes": [
        { "name": "train", "match": [ { "comm_prefix": "pt_" } ], "cpus": "0%-75%",
          "phases": { "forward": "0%-37.5%", "backward": "37.5%-75%" }, "cpus_exclusive": true },
        { "name": "loader", "match": [ { "comm_prefix": "pt_data" } ], "cpus": "last 25%" },
        { "name": "rest", "match": [ { "default": true } ] } ] })",
                          d);
    REQUIRE(p);
    REQUIRE(resolve_and_validate(*p, m, d));
    CHECK(format_cpu_list(*p->classes[0].cpus) == "0-5");
    CHECK(format_cpu_list(*p->classes[0].forward) == "0-2");
    CHECK(format_cpu_list(*p->classes[0].backward) == "3-5");
    CHECK(format_cpu_list(*p->classes[1].cpus) == "6-7");
    auto c = compile(*p, m, nullptr, 1);
    CHECK(std::find(c.cpu_sets.begin(), c.cpu_sets.end(),
                    "class train forward \"0%-37.5%\" is CPUs 0-2 on this machine") != c.cpu_sets.end());

    Diagnostics e;
    auto q = parse_policy(R"({ "classes": [ { "name": "a", "match": [ { "default": true } ], "cpus": "all but 9",
        "phases": { "forward": "node7", "backward": "last half" } } ] })", e);
    REQUIRE(q);
    CHECK_FALSE(resolve_and_validate(*q, m, e));
    CHECK(has_error(e, "/classes/0/cpus", "leaves no CPU"));
    CHECK(has_error(e, "/classes/0/phases/forward", "NUMA node 7 does not exist"));
}

TEST_CASE("the shipped default policy passes on every host from 2 to 256 CPUs")
{
    std::ifstream f(std::string(LLM_SOURCE_DIR) + "/configs/default.json");
    std::stringstream ss;
    ss << f.rdbuf();
    for (unsigned n : {2u, 3u, 4u, 6u, 16u, 64u, 255u, 256u}) {
        INFO(n << " CPUs");
        auto m = cpus(n);
        Diagnostics d;
        auto p = parse_policy(ss.str(), d);
        REQUIRE(p);
        CHECK(resolve_and_validate(*p, m, d));
        INFO(d.format("default.json"));
        auto c = compile(*p, m, nullptr, 1);
        const auto& k = c.table->classes[0];
        CHECK((k.cpus[LLM_PHASE_FORWARD].bits[0] & k.cpus[LLM_PHASE_BACKWARD].bits[0]) == 0);
        CHECK(k.cpus[LLM_PHASE_FORWARD].bits[0] != 0);
    }
}

TEST_CASE("the example policy (llm-schedd --example) fits the machine it runs on, from 1 to 256 CPUs")
{
    for (unsigned n : {1u, 2u, 3u, 4u, 5u, 8u, 16u, 64u, 256u}) {
        for (uint64_t gib : {1ull, 4ull, 256ull}) {
            auto m = cpus(n);
            m.mem_total_bytes = gib << 30;
            m.hugepage_kb = n % 2 ? std::set<uint64_t>{} : std::set<uint64_t>{2048, 1048576};
            if (n >= 8) {
                m.numa_nodes = {0, 1};
                m.node_cpus.clear();
                for (unsigned c = 0; c < n; ++c)
                    m.node_cpus[c < n / 2 ? 0 : 1].insert(c);
            }
            INFO(n << " CPUs, " << gib << " GiB");
            auto text = llm::report::example_policy(m);
            Diagnostics d;
            auto p = parse_policy(text, d);
            REQUIRE(p);
            CHECK(resolve_and_validate(*p, m, d));
            INFO(d.format("example.json") << text);
            CHECK(d.ok());
            auto c = compile(*p, m, nullptr, 1);
            CHECK(c.table->nr_classes == (n >= 4 ? 3u : 2u));
            CHECK(text.find("\"$comment\": \"Fitted to the machine") != std::string::npos);
            if (n >= 2)
                CHECK((c.table->classes[0].flags & LLM_CLASS_HAS_PHASES) != 0);
        }
    }
    auto m16 = cpus(16);
    m16.mem_total_bytes = 64ull << 30;
    auto text = llm::report::example_policy(m16);
    CHECK(text.find("\"forward\": \"0-5\"") != std::string::npos);
    CHECK(text.find("\"backward\": \"6-11\"") != std::string::npos);
    CHECK(text.find("\"cpus\": \"12-15\"") != std::string::npos);
}
