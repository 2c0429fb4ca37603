// SPDX-License-Identifier: GPL-2.0-only
// Makes the class cgroups of a CgroupPlan exist with their limits, moves
// processes into them, and takes it all away on stop.
//
// It reads cgroupfs itself and changes it only through a CgroupBackend
// (memory/cgroup_backend.h): libcgroup on the host, plain directories with
// cgroupfs's rules in the fixture-root tests.
//
// What the daemon changes is recorded in <state dir>/cgroups.json before the
// change: the cgroups it created, the controllers it enabled in parents'
// cgroup.subtree_control, and each moved process (pid and start time) with
// its original cgroup, so a daemon restarted after kill -9 can still put
// everything back. On stop a process goes back to its original cgroup only
// if it is still the same process; records of processes that exited are
// pruned. From a cgroup that existed before the daemon, only what the
// daemon moved in is moved out; a cgroup the daemon created is emptied (to
// the root cgroup for what it did not move in) and removed.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "memory/cgroup_backend.h"
#include "plan/cgroup_plan.h"
#include "util/result.h"

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
    // `mount`: where cgroupfs is ("/sys/fs/cgroup", or a test's fixture tree
    // with a backend that works there); no backend: libcgroup's.
    explicit CgroupTree(std::string state_dir, std::string mount = "/sys/fs/cgroup",
                        std::unique_ptr<CgroupBackend> backend = nullptr);

    // Loads the record; entries that break the rules (cgroups it may not
    // own, created cgroups outside `cgroup_root`, controllers enabled off
    // the way to it, malformed fields) are dropped and reported in *dropped.
    [[nodiscard]] util::Status adopt(size_t* adopted, std::vector<std::string>* dropped = nullptr,
                                     const std::string& cgroup_root = "/llm.slice");
    CgroupReport apply(const CgroupPlan& plan);
    // Moves a whole process into its class's cgroup; `from` is where it was,
    // `start_time` when it started (with tgid, which process it is).
    [[nodiscard]] util::Status place(uint32_t tgid, uint64_t start_time, const std::string& class_name,
                                     const std::string& from);
    // Forgets processes that exited (or whose pid now names another process).
    void prune();
    // Recreates class cgroups that someone removed; returns what it did.
    std::vector<std::string> repair();
    // Moves every placed process back, removes the cgroups it created and
    // disables the controllers it enabled.
    std::vector<std::string> release_all();

    [[nodiscard]] const CgroupPlan& plan() const { return plan_; }
    [[nodiscard]] std::optional<std::string> class_path(const std::string& class_name) const;
    // Where a cgroup's file is on this host ("/sys/fs/cgroup/llm.slice/train/memory.max").
    [[nodiscard]] std::string file_path(const std::string& cgroup, const std::string& file) const
    {
        return fs(cgroup) + "/" + file;
    }

private:
    [[nodiscard]] util::Status save() const;
    [[nodiscard]] util::Status ensure_controllers(const std::string& parent, const std::set<std::string>& ctrls);
    [[nodiscard]] util::Status create(const std::string& path, const std::set<std::string>& ctrls);
    void write_files(const ClassCgroup& cg, CgroupReport& rep);
    [[nodiscard]] util::Status move_out(const std::string& path, bool all);
    [[nodiscard]] util::Status remove(const std::string& path);
    [[nodiscard]] std::string fs(const std::string& path) const { return mount_ + path; }

    std::string state_file_;
    std::unique_ptr<CgroupBackend> backend_;
    std::string mount_;
    bool backend_started_ = false;
    CgroupPlan plan_;
    std::vector<std::string> created_;                    // parents first
    std::map<std::string, std::set<std::string>> enabled_;  // cgroup -> controllers it enabled in subtree_control
    struct Moved {
        std::string from;     // its cgroup before the daemon moved it
        uint64_t start = 0;   // its start time; 0: unknown (a record from before start times)
    };
    [[nodiscard]] bool same_process(uint32_t tgid, const Moved& m) const;
    std::map<uint32_t, Moved> origin_;                      // tgid -> where it came from
};

}  // namespace llm::memory
