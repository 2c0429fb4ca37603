// SPDX-License-Identifier: GPL-2.0-only
#include "service/config_trust.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace llm::service {
namespace {

std::string octal(mode_t m)
{
    char buf[8];
    std::snprintf(buf, sizeof(buf), "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

constexpr const char* kWhy = "the policy decides what runs first and which kernel settings change";
constexpr const char* kOverride = " (or start with --allow-unsafe-config, meant for tests)";

}  // namespace

std::optional<std::string> trust_problem(const PathFacts& f, uid_t trusted)
{
    bool dir = S_ISDIR(f.mode);
    const char* kind = dir ? "directory" : "policy file";
    if (f.uid != 0 && f.uid != trusted)
        return std::string(kind) + " " + f.path + " is owned by uid " + std::to_string(f.uid) +
               ", but only root may own it: " + kWhy + ". Fix: chown root " + f.path + kOverride;
    bool group_w = f.mode & S_IWGRP, other_w = f.mode & S_IWOTH;
    if (dir && (f.mode & S_ISVTX))
        return std::nullopt;  // sticky: others cannot replace what root owns here
    if (group_w || other_w)
        return std::string(kind) + " " + f.path + " is writable by " + (other_w ? "everyone" : "its group") +
               " (mode " + octal(f.mode) + "): " + kWhy + ". Fix: chmod go-w " + f.path + kOverride;
    return std::nullopt;
}

namespace {

std::optional<std::string> check_trust(const std::string& path, uid_t trusted, bool with_file)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path given = fs::absolute(path, ec);
    fs::path real = fs::canonical(path, ec);
    if (ec)
        return "cannot resolve policy file " + path + ": " + ec.message();
    auto facts = [](const fs::path& p) -> std::optional<PathFacts> {
        struct stat st {};
        if (stat(p.c_str(), &st) != 0)
            return std::nullopt;
        return PathFacts{p.string(), st.st_uid, st.st_mode};
    };
    std::vector<fs::path> paths;
    if (with_file)
        paths.push_back(real);
    for (const fs::path& start : {given.parent_path(), real.parent_path()})
        for (fs::path d = start; !d.empty(); d = d.parent_path()) {
            paths.push_back(d);
            if (d == d.root_path())
                break;
        }
    for (const auto& p : paths) {
        auto f = facts(p);
        if (!f)
            return "cannot stat " + p.string() + ": " + std::strerror(errno);
        if (auto problem = trust_problem(*f, trusted))
            return problem;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::string> check_config_trust(const std::string& path, uid_t trusted)
{
    return check_trust(path, trusted, true);
}

std::optional<std::string> check_dir_trust(const std::string& path, uid_t trusted)
{
    return check_trust(path, trusted, false);
}

}  // namespace llm::service
