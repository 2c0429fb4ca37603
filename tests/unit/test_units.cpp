// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "policy/units.h"

using namespace llm::policy;

TEST_CASE("sizes accept binary suffixes and common spellings")
{
    CHECK(parse_size("4096") == 4096u);
    CHECK(parse_size("2k") == 2048u);
    CHECK(parse_size("2M") == 2u << 20);
    CHECK(parse_size("16G") == 16ull << 30);
    CHECK(parse_size("16GB") == 16ull << 30);
    CHECK(parse_size("16GiB") == 16ull << 30);
    CHECK(parse_size(" 1T ") == 1ull << 40);
    CHECK_FALSE(parse_size(""));
    CHECK_FALSE(parse_size("G"));
    CHECK_FALSE(parse_size("-1G"));
    CHECK_FALSE(parse_size("1.5G"));
    CHECK_FALSE(parse_size("99999999999999999999T"));
    CHECK_FALSE(parse_size("16Q"));
}

TEST_CASE("CPU lists parse ranges and round-trip")
{
    auto s = parse_cpu_list("0-5,8, 10-11");
    REQUIRE(s);
    CHECK(*s == std::set<unsigned>{0, 1, 2, 3, 4, 5, 8, 10, 11});
    CHECK(format_cpu_list(*s) == "0-5,8,10-11");
    CHECK(parse_cpu_list("")->empty());
    CHECK(format_cpu_list({3}) == "3");
}

TEST_CASE("bad CPU lists say what is wrong")
{
    CHECK(parse_cpu_list("5-2").error().find("backwards") != std::string::npos);
    CHECK(parse_cpu_list("0,,1").error().find("empty item") != std::string::npos);
    CHECK_FALSE(parse_cpu_list("0,").ok());
    CHECK_FALSE(parse_cpu_list("0, ").ok());
    CHECK(parse_cpu_list("a-b").error().find("'a-b'") != std::string::npos);
    CHECK_FALSE(parse_cpu_list("0-99999").ok());
}

TEST_CASE("durations take units or a default unit")
{
    CHECK(parse_duration_ns("200ms", 1000) == 200'000'000u);
    CHECK(parse_duration_ns("1.5s", 1000) == 1'500'000'000u);
    CHECK(parse_duration_ns("500us", 1) == 500'000u);
    CHECK(parse_duration_ns("3000", 1000) == 3'000'000u);
    CHECK_FALSE(parse_duration_ns("ms", 1));
    CHECK_FALSE(parse_duration_ns("5 fortnights", 1));
    CHECK_FALSE(parse_duration_ns("1.2.3ms", 1));
    CHECK(parse_duration_ns(" .5s ", 1) == 500'000'000u);
    CHECK(parse_duration_ns("99999999999999999999", 1000) == UINT64_MAX);
}

TEST_CASE("sizes format in the largest exact unit")
{
    CHECK(format_size(16ull << 30) == "16G");
    CHECK(format_size(1536ull << 10) == "1536K");
    CHECK(format_size(100) == "100");
}
