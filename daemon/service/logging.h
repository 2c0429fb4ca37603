#pragma once

#include <string>

namespace llm::service {

// spdlog to stderr; under systemd (JOURNAL_STREAM set) the journal stamps
// lines itself, so the pattern drops the timestamp.
void setup_logging(const std::string& level);

}  // namespace llm::service
