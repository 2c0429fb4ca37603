// SPDX-License-Identifier: GPL-2.0-only
// The policy language's vocabulary for memory: which sysctls, THP keys and
// values a policy may name, the ranges they accept, and the rule that caps
// a hugetlb pool. Pure data; the parser, the schema and the knob plan
// (plan/knob_plan.h) all read it from here, so no policy string can become
// a path that is not listed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace llm::policy {

struct NumberRange {
    uint64_t lo, hi;
};

struct SysctlKey {
    std::string path;  // "/proc/sys/vm/swappiness"
    NumberRange range;
};

// "vm.swappiness" -> its file and range.
const std::map<std::string, SysctlKey>& sysctls();
std::optional<NumberRange> sysctl_range(const std::string& name);
const std::vector<std::string>& sysctl_names();

// The THP directory; keys are files below it.
inline constexpr const char* kThpDir = "/sys/kernel/mm/transparent_hugepage/";
// THP keys: "enabled", "defrag", "shmem_enabled" (choices) and
// "khugepaged/<knob>" (numbers).
std::optional<std::vector<std::string>> thp_choices(const std::string& key);
std::optional<NumberRange> thp_number_range(const std::string& key);
const std::vector<std::string>& thp_keys();

// hugetlb never takes the last eighth of RAM (at least 256 MiB): the kernel
// would otherwise fill every free page and the host would run out of memory.
uint64_t pool_headroom_bytes(uint64_t mem_total_bytes);
uint64_t pool_cap_pages(uint64_t page_kb, uint64_t mem_total_bytes);

}  // namespace llm::policy
