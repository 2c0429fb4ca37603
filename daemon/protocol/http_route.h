// SPDX-License-Identifier: GPL-2.0-only
// The metrics endpoint's only job: answer GET /metrics. Pure, so the
// request handling is tested without a socket.
#pragma once

#include <string>
#include <string_view>

namespace llm::control {

enum class HttpRoute { Metrics, NotFound, BadMethod, BadRequest };

// Looks at the request head ("GET /metrics HTTP/1.1\r\n...").
HttpRoute route_http(std::string_view head);

// A complete HTTP/1.1 response that closes the connection.
std::string http_response(HttpRoute route, const std::string& metrics_body);

}  // namespace llm::control
