// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "has_error.h"

#include "plan/knob_plan.h"
#include "policy/parser.h"
#include "policy/validate.h"

using namespace llm;

namespace {

std::optional<policy::Policy> parse(const std::string& memory, policy::Diagnostics& d)
{
    return policy::parse_policy(R"({ "memory": )" + memory +
                                    R"(, "classes": [ { "name": "all", "match": [ { "default": true } ] } ] })",
                                d);
}


}  // namespace

TEST_CASE("a memory section becomes file writes under /proc/sys and /sys only")
{
    policy::Diagnostics d;
    auto p = parse(R"({ "sysctl": { "vm.swappiness": 10, "kernel.numa_balancing": 0 },
                        "thp": { "enabled": "madvise", "khugepaged": { "defrag": 1 } },
                        "lru_gen": { "enabled": true, "min_ttl_ms": "1s" },
                        "hugetlb": [ { "page_size": "2M", "pages": 512 },
                                     { "page_size": "1G", "pages": 2, "node": 1, "required": true } ] })",
                   d);
    REQUIRE(p);
    auto knobs = memory::plan(p->memory);
    auto find = [&](const std::string& name) -> const memory::Knob* {
        for (const auto& k : knobs)
            if (k.name == name)
                return &k;
        return nullptr;
    };
    REQUIRE(knobs.size() == 8);
    CHECK(find("vm.swappiness")->path == "/proc/sys/vm/swappiness");
    CHECK(find("vm.swappiness")->value == "10");
    CHECK(find("kernel.numa_balancing")->path == "/proc/sys/kernel/numa_balancing");
    CHECK(find("thp.enabled")->path == "/sys/kernel/mm/transparent_hugepage/enabled");
    CHECK(find("thp.enabled")->format == memory::Format::Choice);
    CHECK(find("thp.khugepaged/defrag")->path == "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag");
    CHECK(find("lru_gen.enabled")->value == "y");
    CHECK(find("lru_gen.min_ttl_ms")->value == "1000");
    CHECK(find("hugetlb.2048kB")->path == "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
    const auto* g = find("hugetlb.1048576kB.node1");
    REQUIRE(g);
    CHECK(g->path == "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages");
    CHECK(g->required);
    for (const auto& k : knobs)
        CHECK((k.path.rfind("/proc/sys/", 0) == 0 || k.path.rfind("/sys/", 0) == 0));
}

TEST_CASE("memory keys outside the allowlist and bad values are refused")
{
    policy::Diagnostics d;
    CHECK_FALSE(parse(R"({ "sysctl": { "kernel.core_pattern": 1, "vm.swappiness": 300 },
                           "thp": { "enabled": "sometimes" },
                           "hugetlb": [ { "page_size": "4M", "pages": 1 }, { "pages": 2 } ],
                           "restore_on_exit": "yes" })",
                      d));
    CHECK(has_error(d, "/memory/sysctl/kernel.core_pattern", "unknown key"));
    CHECK(has_error(d, "/memory/sysctl/vm.swappiness", "out of range"));
    CHECK(has_error(d, "/memory/thp/enabled", "unknown value \"sometimes\""));
    CHECK(has_error(d, "/memory/hugetlb/0/page_size", "not a huge page size"));
    CHECK(has_error(d, "/memory/hugetlb/1/page_size", "needs a page_size"));
    CHECK(has_error(d, "/memory/restore_on_exit", "true or false"));
}

TEST_CASE("pools are checked against the machine's page sizes and nodes")
{
    policy::Diagnostics d;
    auto p = parse(R"({ "hugetlb": [ { "page_size": "1G", "pages": 1 }, { "page_size": "2M", "pages": 1, "node": 3 } ] })",
                   d);
    REQUIRE(p);
    policy::Machine m;
    m.online_cpus = {0, 1};
    m.nr_possible_cpus = 2;
    m.hugepage_kb = {2048};
    m.numa_nodes = {0};
    CHECK_FALSE(policy::validate(*p, m, d));
    CHECK(has_error(d, "/memory/hugetlb/0/page_size", "no 1G huge pages"));
    CHECK(has_error(d, "/memory/hugetlb/1/node", "NUMA node 3 does not exist"));
}

TEST_CASE("read-backs are normalized to what was written")
{
    using memory::Format;
    CHECK(memory::normalize(Format::Choice, "always [madvise] never\n") == "madvise");
    CHECK(memory::normalize(Format::Number, " 60\n") == "60");
    memory::Knob lru{"lru_gen.enabled", "/sys/kernel/mm/lru_gen/enabled", "y", Format::LruGen, false, ""};
    CHECK(memory::satisfied(lru, "0x0007\n"));
    CHECK_FALSE(memory::satisfied(lru, "0x0000\n"));
    memory::Knob lru_off{"lru_gen.enabled", "/sys/kernel/mm/lru_gen/enabled", "n", Format::LruGen, false, ""};
    CHECK(memory::satisfied(lru_off, "0x0000"));
    memory::Knob pool{"hugetlb.2048kB", "/x", "512", Format::Pool, false, ""};
    CHECK(memory::satisfied(pool, "512\n"));
    CHECK_FALSE(memory::satisfied(pool, "300\n"));  // a shortfall
}

TEST_CASE("a pool grows only into memory that is available now")
{
    policy::Diagnostics d;
    auto p = parse(R"({ "hugetlb": [ { "page_size": "2M", "pages": 300 } ] })", d);
    REQUIRE(p);
    const uint64_t total = 1ULL << 30;
    auto knobs = memory::plan(p->memory, total);
    REQUIRE(knobs[0].value == "300");
    // 400 MiB available, 256 MiB headroom: 72 more pages beyond the 10 there.
    memory::cap_pools_to_available(knobs, total, 400ULL << 20, [](const memory::Knob&) { return 10; });
    CHECK(knobs[0].value == "82");
    CHECK(knobs[0].wanted == "300");
    // Plenty available: unchanged.
    auto roomy = memory::plan(p->memory, total);
    memory::cap_pools_to_available(roomy, total, 900ULL << 20, [](const memory::Knob&) { return 0; });
    CHECK(roomy[0].value == "300");
    CHECK(roomy[0].wanted == "300");
}
