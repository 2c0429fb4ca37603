// SPDX-License-Identifier: GPL-2.0-only
// What the kernel says about sched_ext under /sys/kernel/sched_ext.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace llm::sched {

struct SchedExtStatus {
    bool available = false;   // kernel built with CONFIG_SCHED_CLASS_EXT
    std::string state;        // "enabled", "disabled", ...
    std::string ops;          // name of the loaded scheduler, if any
    bool switch_all = false;
};

SchedExtStatus read_sched_ext_status(const std::string& root = "/sys/kernel/sched_ext");

// Counters from root/events ("SCX_EV_SELECT_CPU_FALLBACK 0" lines).
std::map<std::string, unsigned long long> read_sched_ext_events(const std::string& root = "/sys/kernel/sched_ext");

}  // namespace llm::sched
