// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include <filesystem>

#include "fixture_root.h"
#include "memory/cgroup_tree.h"
#include "plan/knob_plan.h"
#include "memory/knob_store.h"

using namespace llm;

namespace {

bool mentions(const std::vector<std::string>& lines, const std::string& needle)
{
    for (const auto& l : lines)
        if (l.find(needle) != std::string::npos)
            return true;
    return false;
}

}  // namespace

TEST_CASE("knob paths: only the files a policy can name")
{
    for (const char* ok : {"/proc/sys/vm/swappiness", "/proc/sys/kernel/numa_balancing",
                           "/sys/kernel/mm/transparent_hugepage/enabled",
                           "/sys/kernel/mm/transparent_hugepage/khugepaged/defrag",
                           "/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled",
                           "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages",
                           "/sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages",
                           "/sys/kernel/mm/lru_gen/min_ttl_ms"}) {
        INFO(ok);
        CHECK(memory::knob_path_allowed(ok));
    }
    for (const char* bad : {"/proc/sys/kernel/core_pattern", "/proc/sys/vm/../kernel/core_pattern",
                            "/sys/kernel/mm/transparent_hugepage/../../../../etc/passwd",
                            "/sys/kernel/mm/hugepages/hugepages-2048kB/../../../../etc/shadow",
                            "/sys/kernel/mm/hugepages/hugepages-x/nr_hugepages", "/etc/passwd", ""}) {
        INFO(bad);
        CHECK_FALSE(memory::knob_path_allowed(bad));
    }
}

TEST_CASE("adopted originals: a path no policy can name, or a malformed entry, is dropped and kept aside")
{
    FixtureRoot root;
    root.write("/state/originals.json", R"({ "knobs": {
        "/proc/sys/vm/swappiness": { "original": "60", "format": 0 },
        "/proc/sys/kernel/core_pattern": { "original": "|/bin/evil", "format": 0 },
        "/proc/sys/vm/min_free_kbytes": { "original": 5, "format": "x" } } })");
    memory::KnobStore store(root.at("/state"));
    size_t adopted = 0;
    std::vector<std::string> dropped;
    REQUIRE(store.adopt(&adopted, &dropped));
    CHECK(adopted == 1);
    CHECK(store.originals().count("/proc/sys/vm/swappiness"));
    CHECK_FALSE(store.originals().count("/proc/sys/kernel/core_pattern"));
    CHECK(mentions(dropped, "core_pattern"));
    CHECK(mentions(dropped, "malformed"));
    CHECK(std::filesystem::exists(root.at("/state/originals.json.bad")));
    CHECK(root.read("/state/originals.json").find("core_pattern") == std::string::npos);
}

TEST_CASE("a damaged state file is moved aside and the daemon goes on with nothing from it")
{
    FixtureRoot root;
    root.write("/state/originals.json", "{ not json");
    root.write("/state/cgroups.json", "[1, 2]");
    memory::KnobStore store(root.at("/state"));
    memory::CgroupTree tree(root.at("/state"), root.at("/cgroup"));
    size_t n = 0;
    std::vector<std::string> dropped;
    REQUIRE(store.adopt(&n, &dropped));
    REQUIRE(tree.adopt(&n, &dropped));
    CHECK(n == 0);
    CHECK(mentions(dropped, "originals.json is damaged and was moved aside"));
    CHECK(mentions(dropped, "cgroups.json is damaged"));
    CHECK(std::filesystem::exists(root.at("/state/originals.json.bad")));
    CHECK(std::filesystem::exists(root.at("/state/cgroups.json.bad")));
}

TEST_CASE("adopted cgroup records: only cgroups the daemon may own, only well-formed processes")
{
    FixtureRoot root;
    root.write("/state/cgroups.json", R"({
        "created": [ "/llm.slice", "/llm.slice/train", "/system.slice/sshd.service", "/", 7, "/work" ],
        "enabled": { "/": [ "memory" ], "/llm.slice": [ "memory", "rm -rf" ], "/work": [ "memory" ] },
        "moved": { "123": { "from": "/user.slice/u.scope", "start": 99 }, "124": "/user.slice",
                   "x": "/a", "125": { "from": "/a/../b" } } })");
    memory::CgroupTree tree(root.at("/state"), root.at("/cgroup"));
    size_t n = 0;
    std::vector<std::string> dropped;
    REQUIRE(tree.adopt(&n, &dropped));
    CHECK(n == 4);  // two cgroups, two processes
    CHECK(mentions(dropped, "/system.slice/sshd.service"));
    CHECK(mentions(dropped, "\"/\""));
    CHECK(mentions(dropped, "controllers of /llm.slice"));
    CHECK(mentions(dropped, "moved process x"));
    CHECK(mentions(dropped, "moved process 125"));
    CHECK(mentions(dropped, "created cgroup \"/work\" is not below memory.cgroup_root /llm.slice"));
    CHECK(mentions(dropped, "controllers of /work"));
    CHECK(std::filesystem::exists(root.at("/state/cgroups.json.bad")));
}
