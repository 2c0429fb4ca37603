// SPDX-License-Identifier: GPL-2.0-only
// configs/llm-schedd.service and the daemon agree on what it may write:
// the unit's ReadWritePaths= are exactly the daemon's writable paths, and
// those cover every kernel file a memory plan can produce.
#include <catch2/catch_test_macros.hpp>

#include <fstream>
#include <sstream>

#include "plan/knob_plan.h"

using namespace llm;

TEST_CASE("the unit's writable kernel paths cover every file a plan can write")
{
    auto roots = memory::unit_writable_paths();
    auto covered = [&](const std::string& path) {
        for (auto r : roots) {
            if (r[0] == '-')
                r.erase(0, 1);
            if (path == r || path.starts_with(r + "/"))
                return true;
        }
        return false;
    };
    policy::MemorySpec spec;
    spec.sysctl = {{"vm.swappiness", 10}, {"vm.min_free_kbytes", 1024}, {"kernel.numa_balancing", 0},
                   {"vm.overcommit_memory", 1}, {"vm.watermark_scale_factor", 10}, {"vm.zone_reclaim_mode", 0}};
    spec.thp = {{"enabled", "madvise"}, {"khugepaged/defrag", "1"}};
    spec.mthp = {{64, "always"}};
    spec.lru_gen_enabled = true;
    spec.lru_gen_min_ttl_ms = 100;
    spec.hugetlb = {{2048, std::nullopt, 8, false}, {2048, 1, 8, false}};
    for (const auto& k : memory::plan(spec)) {
        INFO(k.path);
        CHECK(covered(k.path));
    }
    CHECK(covered("/proc/sys/vm/compact_memory"));
}

TEST_CASE("configs/llm-schedd.service lists exactly the daemon's writable paths")
{
    std::ifstream unit(LLM_SOURCE_DIR "/configs/llm-schedd.service");
    REQUIRE(unit);
    // ReadWritePaths= with its backslash continuation lines.
    std::string line, value;
    bool in = false;
    while (std::getline(unit, line)) {
        if (!in && !line.starts_with("ReadWritePaths="))
            continue;
        in = true;
        bool more = !line.empty() && line.back() == '\\';
        if (more)
            line.pop_back();
        value += (line.starts_with("ReadWritePaths=") ? line.substr(15) : line) + " ";
        if (!more)
            break;
    }
    std::vector<std::string> listed;
    std::istringstream words(value);
    for (std::string w; words >> w;)
        listed.push_back(w);
    CHECK(listed == memory::unit_writable_paths());
}
