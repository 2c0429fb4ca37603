// SPDX-License-Identifier: GPL-2.0-only
// The phase socket's requests and its ownership rule.
#include <catch2/catch_test_macros.hpp>

#include "llm_schedd/intf.h"
#include "protocol/mark_request.h"

using namespace llm::control;

TEST_CASE("mark requests: thread and process forms round-trip; everything else is refused with the reason")
{
    auto t = parse_mark_request(R"({"phase": "forward", "tid": 1234})");
    REQUIRE(t);
    CHECK(t->phase == LLM_PHASE_FORWARD);
    CHECK_FALSE(t->process);
    CHECK(t->id == 1234);
    auto p = parse_mark_request(R"({"phase": "none", "pid": 7})");
    REQUIRE(p);
    CHECK(p->phase == LLM_PHASE_NONE);
    CHECK(p->process);
    for (const MarkRequest& r : {*t, *p, MarkRequest{LLM_PHASE_BACKWARD, true, 4194304}}) {
        auto back = parse_mark_request(mark_request_line(r));
        REQUIRE(back);
        CHECK(back->phase == r.phase);
        CHECK(back->process == r.process);
        CHECK(back->id == r.id);
    }
    const std::pair<const char*, const char*> bad[] = {
        {"", "one JSON object"},
        {"[1]", "one JSON object"},
        {R"({"phase": "forward"})", "exactly one of"},
        {R"({"phase": "forward", "tid": 1, "pid": 1})", "exactly one of"},
        {R"({"phase": "sideways", "tid": 1})", "\"phase\" must be"},
        {R"({"tid": 1})", "\"phase\" must be"},
        {R"({"phase": "forward", "tid": 0})", "must be a thread or process id"},
        {R"({"phase": "forward", "tid": -5})", "must be a thread or process id"},
        {R"({"phase": "forward", "tid": "12"})", "must be a thread or process id"},
        {R"({"phase": "forward", "pid": 4194305})", "must be a thread or process id"},
        {R"({"phase": "forward", "tid": 1, "uid": 0})", "unknown request key \"uid\""},
    };
    for (const auto& [line, why] : bad) {
        INFO(line);
        auto r = parse_mark_request(line);
        REQUIRE_FALSE(r);
        CHECK(r.error().find(why) != std::string::npos);
    }
    CHECK_FALSE(parse_mark_request(std::string(kMaxMarkRequestBytes + 1, ' ')));
}

TEST_CASE("mark requests: a user marks only what is wholly its own; root marks anything")
{
    MarkRequest thread{LLM_PHASE_FORWARD, false, 1001};
    MarkRequest process{LLM_PHASE_FORWARD, true, 1000};
    TaskOwner mine{1000, 1000, 1000};
    CHECK_FALSE(authorize_mark(thread, 1000, mine));
    CHECK_FALSE(authorize_mark(process, 1000, mine));
    // Another user's, root's, and a setuid program's (effective uid not ours).
    auto other = authorize_mark(thread, 1000, TaskOwner{1001, 1001, 1000});
    REQUIRE(other);
    CHECK(other->find("not yours") != std::string::npos);
    CHECK(authorize_mark(thread, 1000, TaskOwner{0, 0, 1}));
    auto setuid = authorize_mark(thread, 1000, TaskOwner{1000, 0, 1000});
    REQUIRE(setuid);
    CHECK(setuid->find("effective 0") != std::string::npos);
    CHECK(authorize_mark(thread, 1000, TaskOwner{0, 1000, 1000}));
    // Root may mark any thread.
    CHECK_FALSE(authorize_mark(thread, 0, TaskOwner{1001, 1001, 1000}));
    // A process mark names a process, not one of its threads, whoever asks.
    auto not_leader = authorize_mark(MarkRequest{LLM_PHASE_FORWARD, true, 1001}, 0, TaskOwner{0, 0, 1000});
    REQUIRE(not_leader);
    CHECK(not_leader->find("--pid 1000") != std::string::npos);
}
