// SPDX-License-Identifier: GPL-2.0-only
// The phase socket's wire format and who may mark whom. Pure: the socket
// code hands in the line, the peer's uid (SO_PEERCRED) and the target's
// owner as /proc says.
//
// A client sends one JSON object on one line:
//   {"phase": "forward", "tid": 1234}    that thread
//   {"phase": "backward", "pid": 1200}   that process, every thread of it
//   {"phase": "none", "tid": 1234}       clears what was set through here
// and reads {"ok": true} or {"ok": false, "error": "..."} back.
//
// The rule is kill(2)'s for an unprivileged sender, made stricter: a user
// may mark a thread or process whose real and effective uid are both its
// own. Root may mark any.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace llm::control {

struct MarkRequest {
    uint32_t phase = 0;    // enum llm_phase
    bool process = false;  // pid (a whole process) rather than tid
    uint32_t id = 0;
};

constexpr size_t kMaxMarkRequestBytes = 256;

[[nodiscard]] util::Result<MarkRequest> parse_mark_request(std::string_view line);
std::string mark_request_line(const MarkRequest& r);  // '\n' included

// Who owns the target, from /proc/ID/status.
struct TaskOwner {
    uint32_t real_uid = 0;
    uint32_t effective_uid = 0;
    uint32_t tgid = 0;  // its process
};

// nullopt when `peer_uid` may mark the target; otherwise the refusal.
[[nodiscard]] std::optional<std::string> authorize_mark(const MarkRequest& r, uint32_t peer_uid, const TaskOwner& owner);

}  // namespace llm::control
