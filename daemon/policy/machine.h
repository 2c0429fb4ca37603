// SPDX-License-Identifier: GPL-2.0-only
// Facts about the host that a policy is validated and compiled against.
// Plain data so tests can describe any machine; service/machine_probe.h
// reads the real one.
#pragma once

#include <cstdint>
#include <map>
#include <set>

namespace llm::policy {

struct Machine {
    unsigned nr_possible_cpus = 1;
    std::set<unsigned> online_cpus{0};
    uint64_t mem_total_bytes = 0;
    std::set<uint64_t> hugepage_kb{2048};  // sizes under /sys/kernel/mm/hugepages
    std::set<unsigned> numa_nodes{0};      // online nodes
    std::map<unsigned, std::set<unsigned>> node_cpus;  // node -> its CPUs ("node0" sets)
    std::set<uint64_t> mthp_kb;            // per-size THP controls (Linux 6.8+)
    std::map<unsigned, unsigned> cpu_llc;  // CPU -> its last-level cache (lowest CPU sharing it); may be empty
};

}  // namespace llm::policy
