// SPDX-License-Identifier: GPL-2.0-only
// Whether the daemon may act on a policy file. The policy decides which
// threads run first and which kernel settings, pools and cgroup limits
// change, so whoever can write the file, or replace it, controls the host:
// the file and every directory above it must belong to root (or to the
// daemon's own user) and be writable by no one else. A world-writable
// directory is accepted only with the sticky bit (like /tmp), where others
// cannot rename or delete what they do not own.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace llm::service {

struct PathFacts {
    std::string path;
    uid_t uid = 0;
    mode_t mode = 0;  // st_mode: type and permission bits
};

// Pure: the problem with one path, or nullopt. `trusted` is the daemon's euid.
[[nodiscard]] std::optional<std::string> trust_problem(const PathFacts& f, uid_t trusted);

// Checks the file and the directories of both the path as given and its
// canonical form; the first problem found, with the fix.
[[nodiscard]] std::optional<std::string> check_config_trust(const std::string& path, uid_t trusted);

// The directories alone (the daemon checks the file on the descriptor it
// reads, see read_policy_file()).
[[nodiscard]] std::optional<std::string> check_dir_trust(const std::string& path, uid_t trusted);

}  // namespace llm::service
