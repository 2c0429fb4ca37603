// SPDX-License-Identifier: GPL-2.0-only
// hugetlbfs mounts: the mount options a policy entry means, and what
// /proc/self/mountinfo says is mounted at a path. Pure.
#pragma once

#include <optional>
#include <string>

#include "policy/policy.h"

namespace llm::memory {

struct MountEntry {
    std::string mount_point;
    std::string fstype;
    std::string super_options;  // "rw,pagesize=2M,size=268435456"
};

// "pagesize=2M,size=268435456,min_size=...,uid=0,gid=1000,mode=0770"
std::string mount_options(const policy::HugetlbfsMount& m);

// The mount on top at `path`, if any (the last line for it wins).
std::optional<MountEntry> mount_at(const std::string& mountinfo, const std::string& path);

// The value of one super option ("pagesize"), if present.
[[nodiscard]] std::optional<std::string> super_option(const MountEntry& e, const std::string& key);

// Whether an existing mount already serves the policy entry: hugetlbfs
// with the same page size. Otherwise returns why not.
[[nodiscard]] std::optional<std::string> mount_mismatch(const MountEntry& e, const policy::HugetlbfsMount& m);

}  // namespace llm::memory
