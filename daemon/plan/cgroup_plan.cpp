// SPDX-License-Identifier: GPL-2.0-only
#include "plan/cgroup_plan.h"

#include "policy/units.h"

namespace llm::memory {

std::string hugetlb_size_name(uint64_t page_kb)
{
    if (page_kb >= 1024 * 1024 && page_kb % (1024 * 1024) == 0)
        return std::to_string(page_kb / (1024 * 1024)) + "GB";
    if (page_kb >= 1024 && page_kb % 1024 == 0)
        return std::to_string(page_kb / 1024) + "MB";
    return std::to_string(page_kb) + "KB";
}

std::string limit_text(uint64_t bytes) { return bytes == UINT64_MAX ? "max" : std::to_string(bytes); }

CgroupPlan plan_cgroups(const policy::Policy& p, const std::set<uint64_t>& hugepage_kb)
{
    CgroupPlan plan;
    plan.root = p.memory.cgroup_root;
    // A controller is enabled only when some class sets one of its files.
    for (const auto& c : p.classes) {
        if (!c.memory)
            continue;
        const auto& m = *c.memory;
        // protect reads memory.pressure and writes memory.high: the memory
        // controller must be on even if no class sets a memory limit.
        if (m.min || m.low || m.high || m.max || m.swap_max || m.oom_group || m.protect)
            plan.controllers.insert("memory");
        if (!m.hugetlb.empty())
            plan.controllers.insert("hugetlb");
        if (m.mems)
            plan.controllers.insert("cpuset");
    }
    for (const auto& c : p.classes) {
        if (!c.memory)
            continue;
        const auto& m = *c.memory;
        ClassCgroup cg{c.name, plan.root + "/" + c.name, {}};
        // Every class writes every file of the enabled controllers, so a value
        // a reload removes goes back to the kernel's default.
        if (plan.controllers.count("memory")) {
            cg.files.push_back({"memory.min", std::to_string(m.min.value_or(0))});
            cg.files.push_back({"memory.low", std::to_string(m.low.value_or(0))});
            cg.files.push_back({"memory.high", limit_text(m.high.value_or(UINT64_MAX))});
            cg.files.push_back({"memory.max", limit_text(m.max.value_or(UINT64_MAX))});
            cg.files.push_back({"memory.swap.max", limit_text(m.swap_max.value_or(UINT64_MAX))});
            cg.files.push_back({"memory.oom.group", m.oom_group.value_or(false) ? "1" : "0"});
        }
        if (plan.controllers.count("hugetlb")) {
            for (uint64_t kb : hugepage_kb) {
                auto it = m.hugetlb.find(kb);
                // Round down to whole pages: the kernel would, and the read-back must match.
                uint64_t page = kb * 1024;
                auto v = it == m.hugetlb.end() || it->second == UINT64_MAX ? std::string("max")
                                                                           : std::to_string(it->second / page * page);
                // rsvd.max makes mmap() fail up front; .max alone gives SIGBUS at first touch.
                cg.files.push_back({"hugetlb." + hugetlb_size_name(kb) + ".max", v});
                cg.files.push_back({"hugetlb." + hugetlb_size_name(kb) + ".rsvd.max", v});
            }
        }
        // An unset cpuset.mems inherits the parent's; it is left alone.
        if (m.mems)
            cg.files.push_back({"cpuset.mems", policy::format_cpu_list(*m.mems)});
        plan.classes.push_back(std::move(cg));
    }
    return plan;
}

}  // namespace llm::memory
