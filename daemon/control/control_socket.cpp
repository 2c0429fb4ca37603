// SPDX-License-Identifier: GPL-2.0-only
#include "control/control_socket.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

namespace llm::control {
namespace {

std::string errno_text() { return std::strerror(errno); }

bool fill_address(const std::string& path, sockaddr_un& addr)
{
    std::memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        return false;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return true;
}

// True when something accepts connections at path: a live daemon.
bool answers(const sockaddr_un& addr)
{
    util::UniqueFd probe(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    return probe && connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
}

int remaining_ms(std::chrono::steady_clock::time_point deadline)
{
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

}  // namespace

util::Result<ControlSocket> ControlSocket::open(const std::string& path, std::optional<gid_t> group)
{
    sockaddr_un addr{};
    if (!fill_address(path, addr)) {
        return util::error("control socket path " + path + " is too long");
    }
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return util::error("cannot create " + dir.string() + ": " + ec.message());
    }
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            return util::error(path + " exists and is not a socket; move it away");
        }
        if (answers(addr)) {
            return util::error("another llm-schedd answers on " + path + "; stop it first");
        }
        unlink(path.c_str());  // left by a daemon that was killed
    }
    ControlSocket s;
    s.fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!s.fd_) {
        return util::error("socket: " + errno_text());
    }
    // Nobody may connect before the mode and owner are right.
    mode_t old = umask(0177);
    int rc = bind(s.fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
    umask(old);
    if (rc != 0) {
        return util::error("cannot bind " + path + ": " + errno_text());
    }
    s.path_ = path;
    if (auto set = s.set_group(group); !set)
        return util::error(set.error());
    if (listen(s.fd_.get(), 16) != 0) {
        return util::error("listen on " + path + ": " + errno_text());
    }
    return s;
}

ControlSocket::~ControlSocket()
{
    if (fd_)
        unlink(path_.c_str());
}

util::Status ControlSocket::set_group(std::optional<gid_t> group)
{
    if (chown(path_.c_str(), 0, group.value_or(0)) != 0 || chmod(path_.c_str(), group ? 0660 : 0600) != 0)
        return util::error("cannot set owner and mode of " + path_ + ": " + errno_text());
    return {};
}

util::Status ControlSocket::make_public()
{
    if (chown(path_.c_str(), 0, 0) != 0 || chmod(path_.c_str(), 0666) != 0)
        return util::error("cannot set owner and mode of " + path_ + ": " + errno_text());
    return {};
}

std::optional<Connection> ControlSocket::accept()
{
    int cfd = accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (cfd < 0)
        return std::nullopt;
    Connection c{util::UniqueFd(cfd), {}};
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
        return std::nullopt;  // no credentials, no service
    c.peer.pid = static_cast<uint32_t>(cred.pid);
    c.peer.uid = cred.uid;
    c.peer.gid = cred.gid;
    gid_t groups[256];
    len = sizeof(groups);
    if (getsockopt(cfd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
        c.peer.groups.assign(groups, groups + len / sizeof(gid_t));
    return c;
}

util::Result<std::string> read_line(int fd, size_t max, int timeout_ms)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::string line;
    char buf[512];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int left = remaining_ms(deadline);
        if (left == 0 || poll(&p, 1, left) <= 0) {
            return util::error("timed out waiting for a request line");
        }
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0) {
            if (!line.empty())
                return line;  // last line without '\n'
            return util::error(n == 0 ? "connection closed" : errno_text());
        }
        line.append(buf, static_cast<size_t>(n));
        if (auto nl = line.find('\n'); nl != std::string::npos) {
            line.resize(nl);
            return line;
        }
        if (line.size() > max) {
            return util::error("request too long (over " + std::to_string(max) + " bytes)");
        }
    }
}

bool write_all(int fd, const std::string& data, int timeout_ms)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<size_t>(n);
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        pollfd p{fd, POLLOUT, 0};
        int left = remaining_ms(deadline);
        if (left == 0 || poll(&p, 1, left) <= 0)
            return false;
    }
    return true;
}

}  // namespace llm::control
