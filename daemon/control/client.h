// The client's end of the control socket, used by llm-schedctl.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/request.h"
#include "util/result.h"

namespace llm::control {

constexpr const char* kDefaultSocket = "/run/llm-schedd/control.sock";

// Sends one request and returns the daemon's reply, or why nothing came back.
[[nodiscard]] util::Result<nlohmann::json> call_daemon(const std::string& socket_path, const Request& r,
                                                       int timeout_ms);

}  // namespace llm::control
