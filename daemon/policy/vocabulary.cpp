// SPDX-License-Identifier: GPL-2.0-only
#include "policy/vocabulary.h"

#include <algorithm>

namespace llm::policy {
namespace {

const std::map<std::string, std::vector<std::string>>& thp_choice_map()
{
    static const std::map<std::string, std::vector<std::string>> m = {
        {"enabled", {"always", "madvise", "never"}},
        {"defrag", {"always", "defer", "defer+madvise", "madvise", "never"}},
        {"shmem_enabled", {"always", "within_size", "advise", "never", "deny", "force"}},
    };
    return m;
}

const std::map<std::string, NumberRange>& thp_number_map()
{
    static const std::map<std::string, NumberRange> m = {
        {"khugepaged/defrag", {0, 1}},
        {"khugepaged/pages_to_scan", {1, 4'194'304}},
        {"khugepaged/scan_sleep_millisecs", {0, 3'600'000}},
        {"khugepaged/alloc_sleep_millisecs", {0, 3'600'000}},
        {"khugepaged/max_ptes_none", {0, 511}},
    };
    return m;
}

}  // namespace

const std::map<std::string, SysctlKey>& sysctls()
{
    static const std::map<std::string, SysctlKey> m = {
        {"vm.swappiness", {"/proc/sys/vm/swappiness", {0, 200}}},
        {"vm.overcommit_memory", {"/proc/sys/vm/overcommit_memory", {0, 2}}},
        {"vm.min_free_kbytes", {"/proc/sys/vm/min_free_kbytes", {128, 67'108'864}}},
        {"vm.watermark_scale_factor", {"/proc/sys/vm/watermark_scale_factor", {1, 3000}}},
        {"vm.zone_reclaim_mode", {"/proc/sys/vm/zone_reclaim_mode", {0, 7}}},
        {"kernel.numa_balancing", {"/proc/sys/kernel/numa_balancing", {0, 3}}},
    };
    return m;
}

std::optional<NumberRange> sysctl_range(const std::string& name)
{
    auto it = sysctls().find(name);
    if (it == sysctls().end())
        return std::nullopt;
    return it->second.range;
}

const std::vector<std::string>& sysctl_names()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& [k, _] : sysctls())
            v.push_back(k);
        return v;
    }();
    return names;
}

std::optional<std::vector<std::string>> thp_choices(const std::string& key)
{
    auto it = thp_choice_map().find(key);
    if (it == thp_choice_map().end())
        return std::nullopt;
    return it->second;
}

std::optional<NumberRange> thp_number_range(const std::string& key)
{
    auto it = thp_number_map().find(key);
    if (it == thp_number_map().end())
        return std::nullopt;
    return it->second;
}

const std::vector<std::string>& thp_keys()
{
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> v;
        for (const auto& [k, _] : thp_choice_map())
            v.push_back(k);
        for (const auto& [k, _] : thp_number_map())
            v.push_back(k);
        return v;
    }();
    return keys;
}

uint64_t pool_headroom_bytes(uint64_t mem_total_bytes)
{
    return std::max<uint64_t>(mem_total_bytes / 8, 256ULL << 20);
}

uint64_t pool_cap_pages(uint64_t page_kb, uint64_t mem_total_bytes)
{
    uint64_t headroom = pool_headroom_bytes(mem_total_bytes);
    return mem_total_bytes > headroom ? (mem_total_bytes - headroom) / (page_kb * 1024) : 0;
}

}  // namespace llm::policy
