// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "protocol/http_route.h"
#include "protocol/request.h"

using namespace llm::control;

TEST_CASE("control requests parse, and round-trip through request_line")
{
    auto r = parse_request(R"({"command": "stats", "format": "prometheus"})");
    REQUIRE(r);
    CHECK(r->command == Command::Stats);
    CHECK(r->format == Format::Prometheus);
    for (auto c : {Command::Status, Command::Stats, Command::Reload}) {
        auto line = request_line({c, Format::Table});
        CHECK(line.back() == '\n');
        auto back = parse_request(line.substr(0, line.size() - 1));
        REQUIRE(back);
        CHECK(back->command == c);
        CHECK(back->format == Format::Table);
    }
}

TEST_CASE("malformed control requests are refused with a reason")
{
    struct Case {
        std::string line, says;
    };
    for (const auto& c : std::initializer_list<Case>{
             {"", "one JSON object"},
             {"status", "one JSON object"},
             {"[1,2]", "one JSON object"},
             {R"({"command": 5})", "needs \"command\""},
             {R"({"command": "shutdown"})", "unknown command \"shutdown\""},
             {R"({"command": "stats", "format": "xml"})", "\"format\" must be"},
             {R"({"command": "stats", "verbose": true})", "unknown request key \"verbose\""},
             {std::string(kMaxRequestBytes + 1, ' '), "too long"},
         }) {
        INFO(c.line.substr(0, 60));
        auto r = parse_request(c.line);
        REQUIRE_FALSE(r);
        CHECK(r.error().find(c.says) != std::string::npos);
    }
}

TEST_CASE("root may do anything; the control group may only read; others nothing")
{
    Request reload{Command::Reload, Format::Json};
    Request stats{Command::Stats, Format::Json};
    Peer root{1, 0, 0, {}};
    Peer member{2, 1000, 100, {1000, 5}};
    Peer stranger{3, 1001, 1001, {1001}};
    const std::optional<uint32_t> group = 5;

    CHECK_FALSE(authorize(reload, root, std::nullopt));
    CHECK_FALSE(authorize(stats, member, group));
    CHECK_FALSE(authorize(stats, Peer{2, 1000, 5, {}}, group));  // primary group counts too
    auto denied = authorize(reload, member, group);
    REQUIRE(denied);
    CHECK(denied->find("needs root") != std::string::npos);
    CHECK(authorize(stats, stranger, group));
    CHECK(authorize(stats, member, std::nullopt));  // no group configured: root only
    CHECK(is_mutating(Command::Reload));
    CHECK_FALSE(is_mutating(Command::Stats));
}

TEST_CASE("the metrics endpoint answers GET /metrics and nothing else")
{
    CHECK(route_http("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") == HttpRoute::Metrics);
    CHECK(route_http("GET /metrics?x=1 HTTP/1.0\r\n\r\n") == HttpRoute::Metrics);
    CHECK(route_http("GET / HTTP/1.1\r\n\r\n") == HttpRoute::NotFound);
    CHECK(route_http("POST /metrics HTTP/1.1\r\n\r\n") == HttpRoute::BadMethod);
    CHECK(route_http("garbage\r\n\r\n") == HttpRoute::BadRequest);
    CHECK(route_http("GET /metrics SPDY/3\r\n\r\n") == HttpRoute::BadRequest);

    auto ok = http_response(HttpRoute::Metrics, "a 1\n");
    CHECK(ok.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(ok.find("Content-Type: text/plain; version=0.0.4") != std::string::npos);
    CHECK(ok.find("Content-Length: 4\r\n") != std::string::npos);
    CHECK(ok.substr(ok.size() - 4) == "a 1\n");
    CHECK(http_response(HttpRoute::BadMethod, "").find("Allow: GET") != std::string::npos);
    CHECK(http_response(HttpRoute::NotFound, "secret").find("secret") == std::string::npos);
}
