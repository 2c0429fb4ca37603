// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "protocol/options.h"

using llm::service::parse_options;

TEST_CASE("daemon options")
{
    auto o = parse_options({"--config", "p.json", "--log-level=debug", "--stats-interval", "2.5"});
    REQUIRE(o);
    CHECK(o->config == "p.json");
    CHECK(o->log_level == "debug");
    CHECK(o->stats_interval_s == 2.5);
    CHECK(o->socket == "/run/llm-schedd/control.sock");
    CHECK(parse_options({"--config", "p", "--socket", "/tmp/s.sock"})->socket == "/tmp/s.sock");
    CHECK(parse_options({"--example"})->example);
    CHECK(parse_options({"--check", "--config=x"})->check);
}

TEST_CASE("bad daemon options are explained")
{
    CHECK(parse_options({}).error().find("--config") != std::string::npos);
    CHECK_FALSE(parse_options({"--config"}).ok());
    CHECK(parse_options({"--config", "x", "--log-level", "loud"}).error().find("trace") != std::string::npos);
    CHECK(parse_options({"--config", "x", "--bogus"}).error().find("--bogus") != std::string::npos);
    CHECK_FALSE(parse_options({"--config", "x", "--stats-interval", "-1"}).ok());
    CHECK(parse_options({"--config", "x", "--socket", "relative.sock"}).error().find("absolute") != std::string::npos);
}

TEST_CASE("daemon options: --help comes from the parser's own description")
{
    auto help = llm::service::usage_text();
    for (const char* o : {"--config", "--check", "--example", "--writable-paths", "--log-level", "--stats-interval",
                          "--socket", "--state-dir", "--allow-unsafe-config", "--version", "--help"}) {
        INFO(o);
        CHECK(help.find(o) != std::string::npos);
    }
    CHECK(parse_options({"--help"})->help);
    // No undocumented spellings: -c was one.
    CHECK_FALSE(parse_options({"-c", "p.json"}).ok());
}
