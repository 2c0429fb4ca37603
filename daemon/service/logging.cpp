#include "service/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>

namespace llm::service {

void setup_logging(const std::string& level)
{
    auto logger = spdlog::stderr_logger_st("llm-schedd");
    spdlog::set_default_logger(logger);
    if (std::getenv("JOURNAL_STREAM"))
        spdlog::set_pattern("%l: %v");
    else
        spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(level));
}

}  // namespace llm::service
