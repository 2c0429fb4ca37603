// SPDX-License-Identifier: GPL-2.0-only
// Small files the daemon must not lose half-written: the saved original
// values of what it changes. Written to a temporary, synced, then renamed.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "util/read_file.h"
#include "util/result.h"

namespace llm::util {

[[nodiscard]] inline Status write_state_file(const std::string& path, const std::string& text)
{
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    auto tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return error("cannot write " + tmp + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
        return error("cannot save " + path + ": " + std::strerror(ok ? errno : err));
    return {};
}

// Moves a state file the daemon will not use to <path>.bad, for the
// operator to look at; returns the new name.
inline std::string move_state_file_aside(const std::string& path)
{
    std::string bad = path + ".bad";
    if (::rename(path.c_str(), bad.c_str()) != 0)
        return path + " (it could not be moved aside: " + std::strerror(errno) + ")";
    return bad;
}

// A state file with some refused entries: the whole file goes aside for the
// operator, the note says where, and the caller saves the good entries anew.
inline void set_aside_partly_refused(const std::string& path, std::vector<std::string>* notes)
{
    auto moved = move_state_file_aside(path);
    if (notes)
        notes->push_back("the whole file was kept as " + moved);
}

// Reads a file written by write_state_file. No file: an empty object and no
// error. Unreadable: an error naming the file. Not JSON, or
// without an object under `key`: the file is moved aside to <path>.bad,
// *warning says so and what the operator should do (`if_damaged`), and an
// empty object comes back, so a damaged record never stops the daemon.
[[nodiscard]] inline Result<nlohmann::json> read_state_file(const std::string& path, const std::string& key,
                                                            const std::string& if_damaged,
                                                            std::string* warning = nullptr)
{
    if (!std::filesystem::exists(path))
        return Result<nlohmann::json>(nlohmann::json::object());
    int err = 0;
    auto text = read_file(path, &err);
    if (!text)
        return error("cannot read " + path + ": " + std::strerror(err));
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || (!key.empty() && !(j.contains(key) && j[key].is_object()))) {
        auto moved = move_state_file_aside(path);
        if (warning)
            *warning = path + " is damaged and was moved aside to " + moved + "; nothing in it was used: " + if_damaged;
        return Result<nlohmann::json>(nlohmann::json::object());
    }
    return Result<nlohmann::json>(key.empty() ? j : j[key]);
}

// One write(2), so the kernel's errno (EINVAL, EPERM, EBUSY) reaches the
// caller, and the message names the file and the value.
[[nodiscard]] inline Status write_kernel_file(const std::string& path, const std::string& value)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        const char* hint = err == EROFS ? " (read-only here: under systemd, only the unit's ReadWritePaths= are "
                                          "writable; add the path in a drop-in if the policy needs it)"
                           : err == EACCES || err == EPERM ? " (llm-schedd must run as root, with write access to it)"
                                                           : "";
        return error("cannot write \"" + value + "\" to " + path + ": " + std::strerror(err) + hint);
    }
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n < 0) {
        errno = err;  // callers tell ESRCH and EBUSY apart
        return error("writing \"" + value + "\" to " + path + " failed: " + std::strerror(err));
    }
    return {};
}

}  // namespace llm::util
