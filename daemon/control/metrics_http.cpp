#include "control/metrics_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "control/control_socket.h"
#include "control/http_route.h"

namespace llm::control {
namespace {

constexpr int kClientTimeoutMs = 500;

// Reads up to the blank line that ends the request head.
std::optional<std::string> read_head(int fd)
{
    std::string head;
    char buf[1024];
    while (head.find("\r\n\r\n") == std::string::npos && head.size() < 8192) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, kClientTimeoutMs) <= 0)
            return std::nullopt;
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return head.empty() ? std::nullopt : std::optional<std::string>(head);
        head.append(buf, static_cast<size_t>(n));
    }
    return head;
}

}  // namespace

std::optional<MetricsHttp> MetricsHttp::open(const policy::Endpoint& at, std::string* error)
{
    MetricsHttp m;
    m.at_ = at;
    bool v6 = at.host == "::1";
    m.fd_.reset(socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!m.fd_) {
        *error = std::string("socket: ") + std::strerror(errno);
        return std::nullopt;
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
        *error = "cannot listen on " + at.host + ":" + std::to_string(at.port) + " for metrics: " +
                 std::strerror(errno) + (errno == EADDRINUSE ? " (pick another daemon.metrics_listen port)" : "");
        return std::nullopt;
    }
    return m;
}

void MetricsHttp::serve(const std::function<std::string()>& metrics)
{
    for (;;) {
        util::UniqueFd c(accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!c)
            return;
        auto head = read_head(c.get());
        if (!head)
            continue;
        auto route = route_http(*head);
        write_all(c.get(), http_response(route, route == HttpRoute::Metrics ? metrics() : ""), kClientTimeoutMs);
    }
}

}  // namespace llm::control
