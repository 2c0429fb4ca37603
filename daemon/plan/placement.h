// SPDX-License-Identifier: GPL-2.0-only
// Which class's cgroup a process belongs in. Pure: the caller reads /proc.
//
// Rules are tried in file order and the first match wins, as in the
// scheduler (compiler.cpp), so memory limits follow the same rules as
// scheduling. Placement is per process, because a cgroup holds
// whole processes: comm rules are matched against the main thread's name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "policy/policy.h"

namespace llm::memory {

struct ProcessFacts {
    uint32_t tgid = 0;
    std::string comm;    // the main thread's name
    uint32_t uid = 0;    // real uid
    std::string cgroup;  // "/user.slice/user-1000.slice/session-2.scope"
    uint64_t start_time = 0;  // clock ticks after boot (/proc/PID/stat field 22): with tgid, the process
};

// Index into p.classes of the class the process belongs to, if that class
// has a cgroup (a `memory` section); nullopt leaves the process where it is.
std::optional<size_t> cgroup_class_of(const policy::Policy& p, const ProcessFacts& proc);

// Whether `path` is `dir` or below it.
bool cgroup_under(const std::string& path, const std::string& dir);

}  // namespace llm::memory
