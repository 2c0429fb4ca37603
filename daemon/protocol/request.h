// SPDX-License-Identifier: GPL-2.0-only
// The control socket's wire format and who may do what. Pure: the socket
// code hands in the bytes and the peer's credentials.
//
// A client sends one JSON object on one line, e.g.
//   {"command": "stats", "format": "prometheus"}
// and reads one JSON object back: {"ok": true, ...} or {"ok": false, "error": "..."}.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace llm::control {

enum class Command { Status, Stats, Reload, Verify };
enum class Format { Json, Table, Prometheus };

struct Request {
    Command command = Command::Status;
    Format format = Format::Json;
};

// A request longer than this is refused unread: the socket is not a bulk channel.
constexpr size_t kMaxRequestBytes = 4096;

[[nodiscard]] util::Result<Request> parse_request(std::string_view line);
std::string request_line(const Request& r);  // what the client sends, '\n' included

const char* to_string(Command c);
const char* to_string(Format f);

// Commands that change the system are root's; the rest are open to root
// and to members of the control group.
bool is_mutating(Command c);

struct Peer {
    uint32_t pid = 0;
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> groups;  // supplementary groups
};

// nullopt when the peer may run the request; otherwise the refusal to send back.
[[nodiscard]] std::optional<std::string> authorize(const Request& r, const Peer& peer, std::optional<uint32_t> control_gid);

}  // namespace llm::control
