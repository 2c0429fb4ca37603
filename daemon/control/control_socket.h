// SPDX-License-Identifier: GPL-2.0-only
// The daemon's end of the control socket (/run/llm-schedd/control.sock):
// a Unix stream socket, one request and one reply per connection. The
// file mode lets root and the control group connect; SO_PEERCRED and
// SO_PEERGROUPS then decide what each peer may do (protocol/request.h).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "protocol/request.h"
#include "util/result.h"
#include "util/unique_fd.h"

namespace llm::control {

struct Connection {
    util::UniqueFd fd;
    Peer peer;
};

class ControlSocket {
public:
    // Binds PATH (creating its directory). Refuses when another daemon
    // answers there; removes a stale socket file otherwise.
    [[nodiscard]] static util::Result<ControlSocket> open(const std::string& path, std::optional<gid_t> group);
    ControlSocket(ControlSocket&&) = default;
    ControlSocket& operator=(ControlSocket&&) = default;
    ~ControlSocket();

    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] const std::string& path() const { return path_; }
    // Owner root, group `group` (mode 0660), or root only (0600).
    [[nodiscard]] util::Status set_group(std::optional<gid_t> group);
    // Owner root, open to every local user (0666): for a socket whose
    // requests are each checked against the peer's credentials.
    [[nodiscard]] util::Status make_public();
    std::optional<Connection> accept();

private:
    ControlSocket() = default;
    util::UniqueFd fd_;
    std::string path_;
};

// Reads one '\n'-terminated line of at most `max` bytes within timeout_ms.
[[nodiscard]] util::Result<std::string> read_line(int fd, size_t max, int timeout_ms);
bool write_all(int fd, const std::string& data, int timeout_ms);

}  // namespace llm::control
