// SPDX-License-Identifier: GPL-2.0-only
#include "control/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "protocol/http_route.h"

namespace llm::control {
namespace {

// Scrapers send their whole request at once; a slow or silent one waits
// in PendingRequests, never in the daemon's loop.
constexpr auto kClientTimeout = std::chrono::milliseconds(500);
constexpr size_t kMaxHeadBytes = 8192;
constexpr size_t kMaxWaiting = 16;

}  // namespace

util::Result<MetricsHttp> MetricsHttp::open(const policy::Endpoint& at)
{
    MetricsHttp m;
    m.at_ = at;
    m.pending_ = std::make_unique<PendingRequests>("\r\n\r\n", kMaxHeadBytes, kClientTimeout, kMaxWaiting);
    bool v6 = at.host == "::1";
    m.fd_.reset(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!m.fd_) {
        return util::error(std::string("socket: ") + std::strerror(errno));
    }
    int one = 1;
    setsockopt(m.fd_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    int rc;
    if (v6) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(at.port);
        a.sin6_addr = in6addr_loopback;
        rc = bind(m.fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(at.port);
        inet_pton(AF_INET, at.host.c_str(), &a.sin_addr);
        rc = bind(m.fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof(a));
    }
    if (rc != 0 || listen(m.fd_.get(), 16) != 0) {
        return util::error("cannot listen on " + at.host + ":" + std::to_string(at.port) + " for metrics: " +
                 std::strerror(errno) + (errno == EADDRINUSE ? " (pick another daemon.metrics_listen port)" : ""));
    }
    return m;
}

void MetricsHttp::serve(const std::function<std::string()>& metrics)
{
    auto now = PendingRequests::Clock::now();
    while (true) {
        util::UniqueFd c(accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!c)
            break;
        pending_->add(std::move(c), {}, now);
    }
    // Scrapes that arrive together share one rendering: a burst of them
    // costs the loop one pass over the stats, not one each.
    std::optional<std::string> text;
    pending_->service(now, [&](const Peer&, const std::optional<std::string>& head, const std::string&) {
        auto route = head ? route_http(*head) : HttpRoute::BadRequest;
        if (route == HttpRoute::Metrics && !text)
            text = metrics();
        return http_response(route, route == HttpRoute::Metrics ? *text : "");
    });
}

}  // namespace llm::control
