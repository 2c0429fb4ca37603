// SPDX-License-Identifier: GPL-2.0-only
#include "service/config_watch.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace llm::service {

util::Result<ConfigWatch> ConfigWatch::open(const std::string& config_path)
{
    ConfigWatch w;
    auto abs = std::filesystem::absolute(config_path);
    w.name_ = abs.filename().string();
    std::error_code ec;
    w.follow_any_name_ = std::filesystem::is_symlink(abs, ec);
    w.fd_.reset(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    if (!w.fd_) {
        return util::error(std::string("inotify_init1: ") + std::strerror(errno));
    }
    // Not IN_MODIFY: a writer in the middle of a save is not a change yet.
    uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ONLYDIR;
    if (inotify_add_watch(w.fd_.get(), abs.parent_path().c_str(), mask) < 0) {
        return util::error("cannot watch " + abs.parent_path().string() + ": " + std::strerror(errno));
    }
    return w;
}

bool ConfigWatch::drain()
{
    alignas(inotify_event) char buf[4096];
    bool relevant = false;
    for (;;) {
        ssize_t n = read(fd_.get(), buf, sizeof(buf));
        if (n <= 0)
            return relevant;
        for (ssize_t off = 0; off < n;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            // Symlinked policies (e.g. a ConfigMap's ..data swap) change
            // through other names in the directory: any name counts when
            // the policy is a link; the daemon compares contents anyway.
            if (ev->len == 0 || name_ == ev->name || follow_any_name_ ||
                (ev->mask & IN_Q_OVERFLOW))
                relevant = true;
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
        }
    }
}

}  // namespace llm::service
