// SPDX-License-Identifier: GPL-2.0-only
#include "service/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <spdlog/spdlog.h>

#include <sys/stat.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

namespace llm::service {

bool stderr_is_journal()
{
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (!stream)
        return false;
    std::uintmax_t dev = 0, ino = 0;
    if (std::sscanf(stream, "%ju:%ju", &dev, &ino) != 2)
        return false;
    struct stat st{};
    if (::fstat(2, &st) != 0)
        return false;
    return static_cast<std::uintmax_t>(st.st_dev) == dev && static_cast<std::uintmax_t>(st.st_ino) == ino;
}

void setup_logging(const std::string& level)
{
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        // SYSLOG_IDENTIFIER llm-schedd; PRIORITY from the level (err=3,
        // warning=4, info=6, debug=7). The journal stamps the time.
        logger = std::make_shared<spdlog::logger>(
            "llm-schedd", std::make_shared<spdlog::sinks::systemd_sink_st>("llm-schedd"));
        spdlog::set_default_logger(logger);
        spdlog::set_pattern("%v");
    } else {
        logger = spdlog::stderr_logger_st("llm-schedd");
        spdlog::set_default_logger(logger);
        spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    }
    spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace llm::service
