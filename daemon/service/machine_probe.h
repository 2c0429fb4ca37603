// SPDX-License-Identifier: GPL-2.0-only
// The host's facts as the kernel reports them now.
#pragma once

#include "policy/machine.h"

namespace llm::service {

// Reads /sys/devices/system/{cpu,node}, /sys/kernel/mm/hugepages and /proc/meminfo.
[[nodiscard]] policy::Machine probe_machine();

}  // namespace llm::service
