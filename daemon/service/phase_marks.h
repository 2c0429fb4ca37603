// SPDX-License-Identifier: GPL-2.0-only
// The phase socket (/run/llm-schedd/phase.sock): every local user may
// connect, and each request marks one thread or process that the peer owns
// (protocol/mark_request.h has the rule; SO_PEERCRED says who the peer is).
// This is how an unprivileged user marks its own other threads and
// processes: the kernel lets a thread set only its own timer slack.
//
// The marks go into the scheduler's phase_marks map, which the scheduler
// prunes when a thread or process exits. They are also held here, each
// with a pidfd of its target, because an ejection or a re-attach starts a
// new map: after every attach the marks of targets still alive are set
// again, and a pidfd (not a pid) says which are, so a reused pid never
// inherits a mark. A target found gone right after its mark was set has
// the mark taken back.
#pragma once

#include <poll.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "control/control_socket.h"
#include "control/pending_requests.h"
#include "protocol/mark_request.h"
#include "service/supervisor.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace llm::service {

class PhaseMarks {
public:
    using Clock = std::chrono::steady_clock;
    // Marks held at once; past this a request is refused (a pidfd each).
    static constexpr size_t kMaxHeld = 1024;

    PhaseMarks();
    // Binds the socket, open to every user.
    [[nodiscard]] util::Status open(const std::string& socket_path);
    void add_pollfds(std::vector<pollfd>& out) const;
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const { return pending_.next_deadline(); }
    // Accepts and answers what is ready; sets the held marks again after a
    // new attach; forgets marks of targets that are gone.
    void serve(Supervisor& sup);
    [[nodiscard]] nlohmann::json status_json() const;

private:
    struct Held {
        control::MarkRequest request;
        util::UniqueFd pidfd;  // -1 where the kernel gave none
    };
    [[nodiscard]] std::string answer(const control::Peer& peer, const std::optional<std::string>& line,
                                     const std::string& read_error, Supervisor& sup);
    [[nodiscard]] util::Status mark(const control::MarkRequest& r, uint32_t peer_uid, Supervisor& sup);
    void forget_gone();

    std::optional<control::ControlSocket> socket_;
    control::PendingRequests pending_;
    std::map<uint64_t, Held> held_;  // LLM_MARK_KEY -> mark
    uint64_t attaches_seen_ = 0;
    uint64_t served_ = 0, refused_ = 0;
    Clock::time_point last_sweep_{};
};

}  // namespace llm::service
