// SPDX-License-Identifier: GPL-2.0-only
// Reads a whole file into a string; on failure *err holds the errno.
#pragma once

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace llm::util {

inline std::optional<std::string> read_file(const std::string& path, int* err)
{
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        *err = EISDIR;  // ifstream would open a directory and read nothing
        return std::nullopt;
    }
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        *err = errno;
        return std::nullopt;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    if (f.bad()) {
        *err = EIO;
        return std::nullopt;
    }
    return ss.str();
}

}  // namespace llm::util
