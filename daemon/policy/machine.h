// Facts about the host that a policy is validated and compiled against.
// Plain data so tests can describe any machine.
#pragma once

#include <cstdint>
#include <set>

namespace llm::policy {

struct Machine {
    unsigned nr_possible_cpus = 1;
    std::set<unsigned> online_cpus{0};
    uint64_t mem_total_bytes = 0;

    // Reads /sys/devices/system/cpu and /proc/meminfo.
    static Machine probe();
};

}  // namespace llm::policy
