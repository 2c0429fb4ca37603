// SPDX-License-Identifier: GPL-2.0-only
// Where the daemon may change the file system: hugetlbfs mount points and
// cgroups. Pure: the rules on the path text, and for mounts the decision on
// what a path holds on the live system, as memory/mount_path.cpp finds it.
// The same rules judge paths read back from the daemon's own state files.
//
// A mount hides what is below it until it goes, so a typo of /var, /home
// or /dev must never be mounted over. Refused:
//   - "/" and the system trees themselves (/etc /usr /var /home /boot /dev
//     /run /proc /sys /root /opt /srv /tmp);
//   - anything inside /proc or /sys, the kernel's own file systems, and
//     inside /dev/pts, /dev/shm, /dev/mqueue and the daemon's /run/llm-schedd;
//   - a path through a symbolic link (the mount would land elsewhere);
//   - an existing non-empty directory, unless a matching hugetlbfs is
//     already mounted there (then it is used as it is, and never unmounted);
//   - under /dev, anything but a directory of the daemon's own: one it
//     creates now, or one it created and still has on record.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "util/result.h"

namespace llm::policy {

// The path text alone: absolute, normal form, not a system tree.
[[nodiscard]] util::Status mount_path_allowed(const std::string& path);

// What a mount path holds now.
struct MountPathFacts {
    std::string symlink_at;         // the component that is a symbolic link, if any
    bool exists = false;
    bool is_dir = false;
    bool parent_exists = false;     // only when !exists
    size_t entries = 0;             // in the directory, when it exists and nothing is mounted there
    bool mounted = false;           // something is mounted on the path
    bool mounted_matches = false;   // ...and it is hugetlbfs with the wanted page size
    std::string mounted_what;       // "tmpfs", "hugetlbfs pagesize=1G"
};

// May the daemon mount (or use) hugetlbfs at `path`, given what it holds?
// `ours`: the daemon made the mount or the directory and has it on record.
[[nodiscard]] util::Status mount_path_usable(const std::string& path, const MountPathFacts& f, bool ours);

// A cgroup path in normal form ("/llm.slice/train"): absolute, no ".."
// or "." parts, no "//", no trailing "/".
[[nodiscard]] util::Status cgroup_path_normal(const std::string& path);
// A cgroup the daemon may create, configure and remove: in normal form, not
// the root, and not below the trees systemd owns (/system.slice,
// /user.slice, /init.scope, /machine.slice).
[[nodiscard]] util::Status cgroup_path_ours(const std::string& path);

// Whether a cgroup the daemon recorded as its own lies where the policy puts
// class cgroups: `root` itself or below it. The daemon may remove those.
bool cgroup_path_within(const std::string& path, const std::string& root);
// Whether `path` is `root` or one of its ancestors ("/" included): where the
// daemon enables controllers for the class cgroups.
bool cgroup_path_on_way_to(const std::string& path, const std::string& root);

}  // namespace llm::policy
