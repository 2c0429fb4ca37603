#include <catch2/catch_test_macros.hpp>

#include "protocol/options.h"

using llm::service::parse_options;

TEST_CASE("daemon options")
{
    std::string err;
    auto o = parse_options({"--config", "p.json", "--log-level=debug", "--stats-interval", "2.5"}, &err);
    REQUIRE(o);
    CHECK(o->config == "p.json");
    CHECK(o->log_level == "debug");
    CHECK(o->stats_interval_s == 2.5);
    CHECK(o->socket == "/run/llm-schedd/control.sock");
    CHECK(parse_options({"--config", "p", "--socket", "/tmp/s.sock"}, &err)->socket == "/tmp/s.sock");
    CHECK(parse_options({"--example"}, &err)->example);
    CHECK(parse_options({"--check", "--config=x"}, &err)->check);
}

TEST_CASE("bad daemon options are explained")
{
    std::string err;
    CHECK_FALSE(parse_options({}, &err));
    CHECK(err.find("--config") != std::string::npos);
    CHECK_FALSE(parse_options({"--config"}, &err));
    CHECK_FALSE(parse_options({"--config", "x", "--log-level", "loud"}, &err));
    CHECK(err.find("trace") != std::string::npos);
    CHECK_FALSE(parse_options({"--config", "x", "--bogus"}, &err));
    CHECK(err.find("--bogus") != std::string::npos);
    CHECK_FALSE(parse_options({"--config", "x", "--stats-interval", "-1"}, &err));
    CHECK_FALSE(parse_options({"--config", "x", "--socket", "relative.sock"}, &err));
    CHECK(err.find("absolute") != std::string::npos);
}
