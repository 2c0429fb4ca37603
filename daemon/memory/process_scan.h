// Reads the facts placement needs about processes from /proc.
#pragma once

#include <optional>
#include <vector>

#include "memory/placement.h"

namespace llm::memory {

// nullopt for a kernel thread, a process that is gone, or one outside the
// cgroup v2 hierarchy.
std::optional<ProcessFacts> read_process(uint32_t tgid);

// Every user-space process on the host.
std::vector<ProcessFacts> scan_processes();

}  // namespace llm::memory
