// SPDX-License-Identifier: GPL-2.0-only
// The client's end of the control socket, used by llm-schedctl.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/mark_request.h"
#include "protocol/request.h"
#include "util/result.h"

namespace llm::control {

constexpr const char* kDefaultSocket = "/run/llm-schedd/control.sock";
// Open to every local user; it takes phase marks only (protocol/mark_request.h).
constexpr const char* kDefaultPhaseSocket = "/run/llm-schedd/phase.sock";

// Sends one request and returns the daemon's reply, or why nothing came back.
[[nodiscard]] util::Result<nlohmann::json> call_daemon(const std::string& socket_path, const Request& r,
                                                       int timeout_ms);
// Asks the daemon to set a mark; the reply's "error" when it refuses.
[[nodiscard]] util::Result<nlohmann::json> call_phase_socket(const std::string& socket_path, const MarkRequest& r,
                                                             int timeout_ms);

}  // namespace llm::control
