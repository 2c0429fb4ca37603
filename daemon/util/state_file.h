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

#include "util/read_file.h"

namespace llm::util {

inline std::optional<std::string> write_state_file(const std::string& path, const std::string& text)
{
    std::error_code ec;
    auto dir = std::filesystem::path(path).parent_path();
    std::filesystem::create_directories(dir, ec);
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
    auto tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return "cannot write " + tmp + ": " + std::strerror(errno);
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
        return "cannot save " + path + ": " + std::strerror(ok ? errno : err);
    return std::nullopt;
}

// Reads a file written by write_state_file. No file: an empty object and no
// error. Unreadable, not JSON, or without an object under `key`: nullopt,
// with *error naming the file and `if_damaged` (what the operator should do).
inline std::optional<nlohmann::json> read_state_file(const std::string& path, const std::string& key,
                                                     const std::string& if_damaged, std::string* error)
{
    if (!std::filesystem::exists(path))
        return nlohmann::json::object();
    int err = 0;
    auto text = read_file(path, &err);
    if (!text) {
        *error = "cannot read " + path + ": " + std::strerror(err);
        return std::nullopt;
    }
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || (!key.empty() && !(j.contains(key) && j[key].is_object()))) {
        *error = path + " is damaged; " + if_damaged;
        return std::nullopt;
    }
    return key.empty() ? j : j[key];
}

// One write(2), so the kernel's errno (EINVAL, EPERM, EBUSY) reaches the
// caller, and the message names the file and the value.
inline std::optional<std::string> write_kernel_file(const std::string& path, const std::string& value)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        return "cannot write \"" + value + "\" to " + path + ": " + std::strerror(err) +
               (err == EACCES || err == EPERM || err == EROFS ? " (llm-schedd must run as root, with write access to it)" : "");
    }
    ssize_t n = ::write(fd, value.data(), value.size());
    int err = errno;
    ::close(fd);
    if (n < 0) {
        errno = err;  // callers tell ESRCH and EBUSY apart
        return "writing \"" + value + "\" to " + path + " failed: " + std::strerror(err);
    }
    return std::nullopt;
}

}  // namespace llm::util
