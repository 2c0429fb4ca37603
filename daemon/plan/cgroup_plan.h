// SPDX-License-Identifier: GPL-2.0-only
// The cgroup v2 tree a policy asks for: one cgroup per class that has a
// `memory` section, under memory.cgroup_root, with the files to write. Pure.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace llm::memory {

struct CgroupFile {
    std::string name;   // "memory.max"
    std::string value;  // "68719476736", "max"
};

struct ClassCgroup {
    std::string class_name;
    std::string path;                // below the cgroup2 mount: "/llm.slice/train"
    std::vector<CgroupFile> files;   // every managed file, unset ones at the kernel default
};

struct CgroupPlan {
    std::string root;                   // "/llm.slice"
    std::set<std::string> controllers;  // enabled for the class cgroups: memory, hugetlb, cpuset
    std::vector<ClassCgroup> classes;

    [[nodiscard]] bool empty() const { return classes.empty(); }
};

// hugepage_kb: the sizes this machine has, so that every hugetlb.<size>
// limit a reload drops goes back to "max".
CgroupPlan plan_cgroups(const policy::Policy& p, const std::set<uint64_t>& hugepage_kb);

// The size in hugetlb file names: 2048 -> "2MB", 1048576 -> "1GB".
std::string hugetlb_size_name(uint64_t page_kb);
// A limit as the kernel reads it: UINT64_MAX -> "max".
std::string limit_text(uint64_t bytes);

}  // namespace llm::memory
