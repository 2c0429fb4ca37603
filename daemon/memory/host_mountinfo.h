// SPDX-License-Identifier: GPL-2.0-only
// What is mounted in the host's mount namespace: PID 1's mountinfo.
#pragma once

#include <string>

namespace llm::memory {

// /proc/1/mountinfo (the daemon's own if that cannot be read).
std::string host_mountinfo();

}  // namespace llm::memory
