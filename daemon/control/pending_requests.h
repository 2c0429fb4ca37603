// Accepted connections whose request has not fully arrived. The daemon's
// loop polls them beside its other descriptors and reads whatever is ready,
// so a client that connects and then stays silent (or trickles bytes) holds
// one slot until its deadline and never stalls the loop: the scheduler's
// ejection handling, reloads and the systemd watchdog go on meanwhile.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "control/request.h"
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
    // error. Past max_conns the oldest waiting connection is dropped.
    PendingRequests(std::string terminator, size_t max_bytes, std::chrono::milliseconds timeout,
                    size_t max_conns);

    // Takes a non-blocking, freshly accepted connection.
    void add(util::UniqueFd fd, Peer peer, Clock::time_point now);
    // One POLLIN entry per waiting connection.
    void add_pollfds(std::vector<pollfd>& out) const;
    // Reads what is ready without blocking; answers and closes every
    // connection whose request is complete, broken or overdue.
    void service(Clock::time_point now, const Answer& answer);
    [[nodiscard]] std::optional<Clock::time_point> next_deadline() const;
    [[nodiscard]] size_t size() const { return conns_.size(); }
    [[nodiscard]] uint64_t dropped() const { return dropped_; }

private:
    struct Conn {
        util::UniqueFd fd;
        Peer peer;
        std::string buf;
        Clock::time_point deadline;
    };
    enum class Progress { Waiting, Complete, Failed };
    Progress read_more(Conn& c, std::string* error) const;

    std::string terminator_;
    size_t max_bytes_;
    std::chrono::milliseconds timeout_;
    size_t max_conns_;
    std::vector<Conn> conns_;  // oldest first
    uint64_t dropped_ = 0;
};

}  // namespace llm::control
