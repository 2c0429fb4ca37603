// SPDX-License-Identifier: GPL-2.0-only
// Policy + machine -> the table the BPF scheduler reads. Pure: the only
// outside fact, a cgroup path's id, comes through a resolver the caller
// supplies (the real one stats cgroupfs; tests pass a map).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "llm_schedd/intf.h"
#include "policy/machine.h"
#include "policy/policy.h"

namespace llm::policy {

struct CgroupRef {
    uint64_t id = 0;      // kernfs id (the directory's inode number)
    uint32_t level = 0;   // depth below the cgroup2 root
};

using CgroupResolver = std::function<std::optional<CgroupRef>(const std::string& path)>;

struct CompiledPolicy {
    std::shared_ptr<const llm_policy> table;
    std::vector<std::string> notes;  // e.g. cgroups that do not exist yet
    // cgroup_prefix paths that did not resolve: their rules match nothing.
    // The daemon compiles again once its memory side made the class cgroups.
    std::vector<std::string> unresolved_cgroups;
    std::vector<std::string> cpu_sets;  // what each set written relative to the machine became
    std::vector<std::string> class_names;
    std::set<unsigned> online_cpus;  // the CPUs the masks were compiled for
};

CompiledPolicy compile(const Policy& p, const Machine& m, const CgroupResolver& resolve, uint64_t generation);

}  // namespace llm::policy
