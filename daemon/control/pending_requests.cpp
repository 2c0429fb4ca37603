// SPDX-License-Identifier: GPL-2.0-only
#include "control/pending_requests.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>


namespace llm::control {

PendingRequests::PendingRequests(std::string terminator, size_t max_bytes, std::chrono::milliseconds timeout,
                                 size_t max_conns, std::chrono::milliseconds write_timeout)
    : terminator_(std::move(terminator)), max_bytes_(max_bytes), timeout_(timeout), max_conns_(max_conns),
      write_timeout_(write_timeout)
{
}

void PendingRequests::add(util::UniqueFd fd, Peer peer, Clock::time_point now)
{
    if (max_conns_ == 0)
        return;
    if (conns_.size() >= max_conns_) {
        conns_.erase(conns_.begin());
        ++dropped_;
    }
    conns_.push_back({std::move(fd), std::move(peer), {}, 0, false, now + timeout_});
}

void PendingRequests::add_pollfds(std::vector<pollfd>& out) const
{
    for (const auto& c : conns_)
        out.push_back({c.fd.get(), static_cast<short>(c.replying ? POLLOUT : POLLIN), 0});
}

bool PendingRequests::write_more(Conn& c)
{
    while (c.sent < c.buf.size()) {
        ssize_t n = ::send(c.fd.get(), c.buf.data() + c.sent, c.buf.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return false;
        if (n <= 0)
            return true;  // the peer is gone
        c.sent += static_cast<size_t>(n);
    }
    return true;
}

PendingRequests::Progress PendingRequests::read_more(Conn& c, std::string* error) const
{
    char buf[1024];
    for (;;) {
        ssize_t n = read(c.fd.get(), buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return Progress::Waiting;
        if (n <= 0) {
            if (n == 0 && !c.buf.empty())
                return Progress::Complete;  // the last request without its terminator
            *error = n == 0 ? "connection closed before a request" : std::strerror(errno);
            return Progress::Failed;
        }
        c.buf.append(buf, static_cast<size_t>(n));
        if (auto end = c.buf.find(terminator_); end != std::string::npos) {
            c.buf.resize(end);
            return Progress::Complete;
        }
        if (c.buf.size() > max_bytes_) {
            *error = "request too long (over " + std::to_string(max_bytes_) + " bytes)";
            return Progress::Failed;
        }
    }
}

void PendingRequests::service(Clock::time_point now, const Answer& answer)
{
    for (size_t i = 0; i < conns_.size();) {
        Conn& c = conns_[i];
        if (!c.replying) {
            std::string error;
            Progress p = read_more(c, &error);
            if (p == Progress::Waiting && now < c.deadline) {
                ++i;
                continue;
            }
            if (p == Progress::Waiting)
                error = "timed out waiting for the request";
            c.buf = answer(c.peer, p == Progress::Complete ? std::optional(c.buf) : std::nullopt, error);
            c.sent = 0;
            c.replying = true;
            c.deadline = now + write_timeout_;
        }
        bool done = write_more(c);
        if (!done && now >= c.deadline) {
            ++unsent_;
            done = true;
        }
        if (!done) {
            ++i;
            continue;
        }
        conns_.erase(conns_.begin() + static_cast<std::ptrdiff_t>(i));
    }
}

std::optional<PendingRequests::Clock::time_point> PendingRequests::next_deadline() const
{
    std::optional<Clock::time_point> first;
    for (const auto& c : conns_)
        if (!first || c.deadline < *first)
            first = c.deadline;
    return first;
}

}  // namespace llm::control
