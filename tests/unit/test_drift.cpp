// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "protocol/request.h"
#include "report/drift.h"

using llm::report::Reading;

TEST_CASE("drift: a setting that reads as the daemon left it is not drift")
{
    std::vector<Reading> r{{"knob", "vm.swappiness", "/proc/sys/vm/swappiness", "17", "17\n", ""},
                           {"cgroup", "/llm.slice/train memory.max", "/sys/fs/cgroup/llm.slice/train/memory.max",
                            "67108864", "67108864", ""}};
    auto rep = llm::report::compare(r);
    CHECK(rep.checked == 2);
    CHECK(rep.drifted.empty());
    CHECK(llm::report::to_text(rep) == "in line with the live policy: 2 settings checked\n");
    CHECK(llm::report::to_json(rep)["drifted"] == 0);
}

TEST_CASE("drift: a changed or unreadable setting is drift, named with from and to")
{
    std::vector<Reading> r{{"knob", "vm.swappiness", "/proc/sys/vm/swappiness", "17", "60", ""},
                           {"cgroup", "/llm.slice/train memory.max", "/x/memory.max", "67108864", std::nullopt,
                            "No such file or directory"},
                           {"pool", "hugetlb.2048kB", "/p", "32", "32", ""}};
    auto rep = llm::report::compare(r);
    REQUIRE(rep.drifted.size() == 2);
    CHECK(rep.drifted[0].expected == "17");
    CHECK(rep.drifted[0].now == "60");
    CHECK(rep.drifted[1].now == "(unreadable: No such file or directory)");
    auto text = llm::report::to_text(rep);
    CHECK(text.find("drift: knob vm.swappiness (/proc/sys/vm/swappiness): 17 -> 60\n") != std::string::npos);
    CHECK(text.find("2 of 3 settings drifted") != std::string::npos);
    auto j = llm::report::to_json(rep);
    CHECK(j["checked"] == 3);
    CHECK(j["drift"][0]["name"] == "vm.swappiness");
}

TEST_CASE("drift: verify is a request anyone allowed to read status may send")
{
    auto r = llm::control::parse_request(R"({"command": "verify"})");
    REQUIRE(r);
    CHECK(r->command == llm::control::Command::Verify);
    CHECK_FALSE(llm::control::is_mutating(r->command));
    CHECK(llm::control::request_line(*r).find("\"verify\"") != std::string::npos);
}
