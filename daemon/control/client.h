// The client's end of the control socket, used by llm-schedctl.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "protocol/request.h"

namespace llm::control {

constexpr const char* kDefaultSocket = "/run/llm-schedd/control.sock";

// Sends one request and returns the daemon's reply, or nullopt with *error
// saying why nothing came back.
std::optional<nlohmann::json> call_daemon(const std::string& socket_path, const Request& r, int timeout_ms,
                                          std::string* error);

}  // namespace llm::control
