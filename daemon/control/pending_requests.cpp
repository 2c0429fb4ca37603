#include "control/pending_requests.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/control_socket.h"

namespace llm::control {
namespace {

// Replies are small and the socket buffer takes them whole; a peer that
// does not read is given this long, so it cannot hold the loop either.
constexpr int kReplyTimeoutMs = 100;

}  // namespace

PendingRequests::PendingRequests(std::string terminator, size_t max_bytes, std::chrono::milliseconds timeout,
                                 size_t max_conns)
    : terminator_(std::move(terminator)), max_bytes_(max_bytes), timeout_(timeout), max_conns_(max_conns)
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
    conns_.push_back({std::move(fd), std::move(peer), {}, now + timeout_});
}

void PendingRequests::add_pollfds(std::vector<pollfd>& out) const
{
    for (const auto& c : conns_)
        out.push_back({c.fd.get(), POLLIN, 0});
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
        std::string error;
        Progress p = read_more(c, &error);
        if (p == Progress::Waiting && now < c.deadline) {
            ++i;
            continue;
        }
        if (p == Progress::Waiting)
            error = "timed out waiting for the request";
        std::string reply = answer(c.peer, p == Progress::Complete ? std::optional(c.buf) : std::nullopt, error);
        if (!reply.empty())
            write_all(c.fd.get(), reply, kReplyTimeoutMs);
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
