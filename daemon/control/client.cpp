// SPDX-License-Identifier: GPL-2.0-only
#include "control/client.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "control/control_socket.h"
#include "util/unique_fd.h"

namespace llm::control {

namespace {

util::Result<nlohmann::json> call(const std::string& socket_path, const std::string& line, int timeout_ms,
                                  const char* who_may)
{
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof(addr.sun_path)) {
        return util::error("socket path too long: " + socket_path);
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
    util::UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd || connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        int err = errno;
        std::string why = "cannot reach llm-schedd at " + socket_path + ": " + std::strerror(err);
        if (err == ENOENT || err == ECONNREFUSED)
            why += " (is llm-schedd running? `systemctl status llm-schedd`)";
        else if (err == EACCES)
            why += std::string(" (") + who_may + ")";
        return util::error(why);
    }
    if (!write_all(fd.get(), line, timeout_ms)) {
        return util::error(std::string("cannot send the request: ") + std::strerror(errno));
    }
    shutdown(fd.get(), SHUT_WR);
    // The reply is one JSON line; per-CPU stats can make it long.
    auto reply = read_line(fd.get(), SIZE_MAX / 2, timeout_ms);
    if (!reply)
        return util::error("llm-schedd sent no reply (" + reply.error() + ")");
    auto j = nlohmann::json::parse(*reply, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return util::error("llm-schedd sent a reply that is not JSON");
    }
    return j;
}

}  // namespace

util::Result<nlohmann::json> call_daemon(const std::string& socket_path, const Request& r, int timeout_ms)
{
    return call(socket_path, request_line(r), timeout_ms,
                "only root and members of the policy's daemon.control_group may connect");
}

util::Result<nlohmann::json> call_phase_socket(const std::string& socket_path, const MarkRequest& r, int timeout_ms)
{
    return call(socket_path, mark_request_line(r), timeout_ms, "the phase socket should be open to every user");
}

}  // namespace llm::control
