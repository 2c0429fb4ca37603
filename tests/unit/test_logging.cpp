// SPDX-License-Identifier: GPL-2.0-only
#include <catch2/catch_test_macros.hpp>

#include "service/logging.h"

#include <sys/stat.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace {

// Sets JOURNAL_STREAM for one scope and puts the old value back.
struct JournalStreamEnv {
    std::optional<std::string> saved;
    explicit JournalStreamEnv(const char* value)
    {
        if (const char* old = std::getenv("JOURNAL_STREAM"))
            saved = old;
        if (value)
            ::setenv("JOURNAL_STREAM", value, 1);
        else
            ::unsetenv("JOURNAL_STREAM");
    }
    ~JournalStreamEnv()
    {
        if (saved)
            ::setenv("JOURNAL_STREAM", saved->c_str(), 1);
        else
            ::unsetenv("JOURNAL_STREAM");
    }
};

std::string stderr_dev_ino()
{
    struct stat st{};
    REQUIRE(::fstat(2, &st) == 0);
    return std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
}

}  // namespace

TEST_CASE("logging: journald only when stderr is the stream JOURNAL_STREAM names")
{
    {
        JournalStreamEnv env(stderr_dev_ino().c_str());
        CHECK(llm::service::stderr_is_journal());
    }
    {
        // A unit's child with its stderr sent elsewhere inherits the variable.
        struct stat st{};
        REQUIRE(::fstat(2, &st) == 0);
        std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
        JournalStreamEnv env(other.c_str());
        CHECK_FALSE(llm::service::stderr_is_journal());
    }
    {
        JournalStreamEnv env("not-a-stream");
        CHECK_FALSE(llm::service::stderr_is_journal());
    }
    {
        JournalStreamEnv env(nullptr);
        CHECK_FALSE(llm::service::stderr_is_journal());
    }
}
