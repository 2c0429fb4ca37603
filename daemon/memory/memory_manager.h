// SPDX-License-Identifier: GPL-2.0-only
// Everything the daemon does to host memory, behind one interface: knobs
// (sysctl, THP, MGLRU, hugetlb pools), hugetlbfs mounts, class cgroups and
// the placement of processes into them.
//
// apply() makes the host match a policy, in this order: knobs (pools must
// exist before a mount's min_size can reserve them), mounts, cgroups, then
// placement. A failure returns an error; the caller restores (at start) or
// applies the previous policy again (at reload).
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "memory/cgroup_tree.h"
#include "memory/hugetlbfs_mounts.h"
#include "memory/knob_store.h"
#include "plan/placement.h"
#include "memory/proc_events.h"
#include "policy/machine.h"
#include "policy/policy.h"
#include "report/drift.h"

namespace llm::memory {

class MemoryManager {
public:
    MemoryManager(const std::string& state_dir, policy::Machine machine);

    // Loads what a daemon that did not stop cleanly left on record, each
    // entry checked against the rules and against `p` (its cgroup_root).
    [[nodiscard]] util::Status adopt(const policy::Policy& p);
    [[nodiscard]] util::Status apply(const policy::Policy& p, const char* when);
    // Puts back everything on record. With keep_originals (restore_on_exit
    // off) nothing changes and the records stay for the next daemon.
    void restore(bool keep_originals);

    // The proc connector's socket (-1 when it is unavailable).
    [[nodiscard]] int events_fd() const { return events_ ? events_->fd() : -1; }
    void on_events();
    // Periodic work: recreate removed cgroups; without the connector, rescan.
    void tick();
    [[nodiscard]] std::chrono::milliseconds tick_every() const { return std::chrono::milliseconds(2000); }

    [[nodiscard]] nlohmann::json status_json() const;
    // Reads again every setting the last apply() put in place (knobs and
    // pools, class cgroup files, hugetlbfs mounts) for `verify`.
    [[nodiscard]] std::vector<report::Reading> observe() const;
    // What --check can say without changing anything: the mount paths.
    [[nodiscard]] util::Status check(const policy::Policy& p) const { return mounts_.check(p.memory.hugetlbfs); }

private:
    void place_all(const char* why);
    void place(const ProcessFacts& proc);
    void open_events();

    policy::Machine machine_;
    KnobStore knobs_;
    HugetlbfsMounts mounts_;
    CgroupTree cgroups_;
    std::optional<ProcEvents> events_;
    bool events_tried_ = false;
    policy::Policy policy_;
    std::vector<Knob> knob_plan_;  // of the last apply(), beside knob_report_: how each file reads
    std::vector<KnobResult> knob_report_;
    std::vector<MountResult> mount_report_;
    std::vector<CgroupFileResult> cgroup_report_;
    std::vector<std::string> notes_;        // of the last apply()
    std::vector<std::string> adopt_notes_;  // records dropped at adoption; kept for status
    uint64_t placed_total_ = 0;
};

}  // namespace llm::memory
