#include "control/client.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "control/control_socket.h"
#include "util/unique_fd.h"

namespace llm::control {

std::optional<nlohmann::json> call_daemon(const std::string& socket_path, const Request& r, int timeout_ms,
                                          std::string* error)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path)) {
        *error = "socket path too long: " + socket_path;
        return std::nullopt;
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    util::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        int err = errno;
        *error = "cannot reach llm-schedd at " + socket_path + ": " + std::strerror(err);
        if (err == ENOENT || err == ECONNREFUSED)
            *error += " (is llm-schedd running? `systemctl status llm-schedd`)";
        else if (err == EACCES)
            *error += " (only root and members of the policy's daemon.control_group may connect)";
        return std::nullopt;
    }
    if (!write_all(fd.get(), request_line(r), timeout_ms)) {
        *error = std::string("cannot send the request: ") + std::strerror(errno);
        return std::nullopt;
    }
    shutdown(fd.get(), SHUT_WR);
    // The reply is one JSON line; per-CPU stats can make it long.
    std::string err;
    auto reply = read_line(fd.get(), SIZE_MAX / 2, timeout_ms, &err);
    if (!reply) {
        *error = "llm-schedd sent no reply (" + err + ")";
        return std::nullopt;
    }
    auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        *error = "llm-schedd sent a reply that is not JSON";
        return std::nullopt;
    }
    return j;
}

}  // namespace llm::control
