// Makes the class cgroups of a CgroupPlan exist with their limits, moves
// processes into them, and takes it all away on stop.
//
// libcgroup (the project's chosen library) creates the cgroups, writes the
// limits and attaches processes. libcgroup 2.0.x has cgroup v2 defects
// (upstream issues 272, 351, 405); the few operations they break go to
// cgroupfs directly, each with a comment that says which defect.
//
// What the daemon changes is recorded in <state dir>/cgroups.json before the
// change: the cgroups it created, the controllers it enabled in parents'
// cgroup.subtree_control, and each moved process's original cgroup, so a
// daemon restarted after kill -9 can still put everything back.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memory/cgroup_plan.h"

namespace llm::memory {

struct CgroupFileResult {
    std::string cgroup;  // "/llm.slice/train"
    std::string file;    // "memory.max"
    std::string wanted;
    std::string got;
    std::string error;
    bool ok = false;
};

struct CgroupReport {
    std::vector<CgroupFileResult> files;
    std::vector<std::string> notes;  // what the kernel did: usage above a new limit, recreated cgroups
    std::optional<std::string> fatal;
};

class CgroupTree {
public:
    explicit CgroupTree(std::string state_dir, std::string mount = "/sys/fs/cgroup");

    std::optional<std::string> adopt(size_t* adopted);
    CgroupReport apply(const CgroupPlan& plan);
    // Moves a whole process into its class's cgroup; `from` is where it was.
    std::optional<std::string> place(uint32_t tgid, const std::string& class_name, const std::string& from);
    // Recreates class cgroups that someone removed; returns what it did.
    std::vector<std::string> repair();
    // Moves every placed process back, removes the cgroups it created and
    // disables the controllers it enabled.
    std::vector<std::string> release_all();

    [[nodiscard]] const CgroupPlan& plan() const { return plan_; }
    [[nodiscard]] std::optional<std::string> class_path(const std::string& class_name) const;

private:
    std::optional<std::string> save() const;
    std::optional<std::string> ensure_controllers(const std::string& parent, const std::set<std::string>& ctrls);
    std::optional<std::string> create(const std::string& path, const std::set<std::string>& ctrls);
    void write_files(const ClassCgroup& cg, CgroupReport& rep);
    std::optional<std::string> move_out(const std::string& path);
    std::optional<std::string> remove(const std::string& path);
    [[nodiscard]] std::string fs(const std::string& path) const { return mount_ + path; }

    std::string state_file_;
    std::string mount_;
    bool lib_ready_ = false;
    CgroupPlan plan_;
    std::vector<std::string> created_;                    // parents first
    std::map<std::string, std::set<std::string>> enabled_;  // cgroup -> controllers it enabled in subtree_control
    std::map<uint32_t, std::string> origin_;                // tgid -> original cgroup
};

}  // namespace llm::memory
