// SPDX-License-Identifier: GPL-2.0-only
// Accepted connections, from the first byte of the request to the last
// byte of the reply. The daemon's loop polls them beside its other
// descriptors and reads or writes whatever is ready, never blocking: a
// client that connects and stays silent (or trickles bytes), or one that
// asks for a large reply and does not read it, holds one slot until its
// deadline and never stalls the loop: the scheduler's ejection handling,
// reloads, other clients and the systemd watchdog go on meanwhile.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "protocol/request.h"
#include "util/unique_fd.h"

namespace llm::control {

class PendingRequests {
public:
    using Clock = std::chrono::steady_clock;
    // The request, or nullopt with why not; returns the reply to send.
    using Answer = std::function<std::string(const Peer& peer, const std::optional<std::string>& request,
                                             const std::string& error)>;

    // A request ends at `terminator` (or when the peer shuts down its side);
    // more than max_bytes without one, or no end within `timeout`, is an
    // error. A reply the peer has not taken within `write_timeout` is
    // dropped with the connection. Past max_conns the oldest connection is
    // dropped.
    PendingRequests(std::string terminator, size_t max_bytes, std::chrono::milliseconds timeout,
                    size_t max_conns, std::chrono::milliseconds write_timeout = std::chrono::seconds(10));

    // Takes a non-blocking, freshly accepted connection.
    void add(util::UniqueFd fd, Peer peer, Clock::time_point now);
    // POLLIN for a connection still sending its request, POLLOUT for one
    // whose reply is still going out.
    void add_pollfds(std::vector<pollfd>& out) const;
    // Reads and writes what is ready without blocking: answers every
    // connection whose request is complete, broken or overdue, sends as much
    // of each reply as the peer takes, and closes a connection once its
    // reply is out (or its peer is gone, or its write deadline passed).
    void service(Clock::time_point now, const Answer& answer);
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
    [[nodiscard]] size_t size() const { return conns_.size(); }
    [[nodiscard]] uint64_t dropped() const { return dropped_; }
    // Replies dropped because their peer did not take them in time.
    [[nodiscard]] uint64_t unsent() const { return unsent_; }

private:
    struct Conn {
        util::UniqueFd fd;
        Peer peer;
        std::string buf;           // the request so far, then the reply
        size_t sent = 0;           // bytes of the reply already written
        bool replying = false;
        Clock::time_point deadline;
    };
    enum class Progress { Waiting, Complete, Failed };
    Progress read_more(Conn& c, std::string* error) const;
    // True when the connection is done (all sent, or the peer is gone).
    static bool write_more(Conn& c);

    std::string terminator_;
    size_t max_bytes_;
    std::chrono::milliseconds timeout_;
    size_t max_conns_;
    std::chrono::milliseconds write_timeout_;
    uint64_t unsent_ = 0;
    std::vector<Conn> conns_;  // oldest first
    uint64_t dropped_ = 0;
};

}  // namespace llm::control
