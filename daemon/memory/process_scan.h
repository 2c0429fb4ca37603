// SPDX-License-Identifier: GPL-2.0-only
// Reads the facts placement needs about processes from /proc.
#pragma once

#include <optional>
#include <vector>

#include "plan/placement.h"

namespace llm::memory {

// nullopt for a kernel thread, a process that is gone, or one outside the
// cgroup v2 hierarchy.
std::optional<ProcessFacts> read_process(uint32_t tgid);

// When process `tgid` started (clock ticks after boot, /proc/PID/stat field
// 22), if it exists: a pid and its start time name one process, never a
// later one that got the same pid.
std::optional<uint64_t> process_start_time(uint32_t tgid);

// Every user-space process on the host.
std::vector<ProcessFacts> scan_processes();

}  // namespace llm::memory
