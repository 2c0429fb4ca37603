// SPDX-License-Identifier: GPL-2.0-only
#include <sys/stat.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "service/config_trust.h"

using llm::service::PathFacts;
using llm::service::trust_problem;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("a policy file must be root's and writable by no one else")
{
    CHECK(!trust_problem({"/etc/llm-schedd/policy.json", 0, S_IFREG | 0644}, 0));
    CHECK(!trust_problem({"/etc/llm-schedd/policy.json", 0, S_IFREG | 0600}, 0));

    auto foreign = trust_problem({"/etc/p.json", 1000, S_IFREG | 0644}, 0);
    REQUIRE(foreign);
    CHECK_THAT(*foreign, ContainsSubstring("policy file /etc/p.json is owned by uid 1000"));
    CHECK_THAT(*foreign, ContainsSubstring("Fix: chown root /etc/p.json"));

    auto group = trust_problem({"/etc/p.json", 0, S_IFREG | 0664}, 0);
    REQUIRE(group);
    CHECK_THAT(*group, ContainsSubstring("writable by its group (mode 0664)"));
    CHECK_THAT(*group, ContainsSubstring("Fix: chmod go-w /etc/p.json"));
    auto world = trust_problem({"/etc/p.json", 0, S_IFREG | 0666}, 0);
    REQUIRE(world);
    CHECK_THAT(*world, ContainsSubstring("writable by everyone"));
    CHECK_THAT(*world, ContainsSubstring("--allow-unsafe-config"));
}

TEST_CASE("directories above the policy: root's, or sticky when world-writable")
{
    CHECK(!trust_problem({"/tmp", 0, S_IFDIR | 01777}, 0));
    auto open_dir = trust_problem({"/srv/shared", 0, S_IFDIR | 0777}, 0);
    REQUIRE(open_dir);
    CHECK_THAT(*open_dir, ContainsSubstring("directory /srv/shared is writable by everyone"));
    auto home = trust_problem({"/home/alice", 1000, S_IFDIR | 0755}, 0);
    REQUIRE(home);
    CHECK_THAT(*home, ContainsSubstring("directory /home/alice is owned by uid 1000"));
}

TEST_CASE("a daemon run by another user trusts its own files")
{
    CHECK(!trust_problem({"/home/ci/p.json", 1000, S_IFREG | 0644}, 1000));
    CHECK(trust_problem({"/home/ci/p.json", 1001, S_IFREG | 0644}, 1000));
}
