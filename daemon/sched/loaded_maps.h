// SPDX-License-Identifier: GPL-2.0-only
// Finds the maps of the llm_sched instance loaded right now, for readers
// other than the daemon that loaded it (llm-schedctl). Needs CAP_BPF and
// CAP_SYS_ADMIN (root), like any lookup of another process's BPF objects.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "llm_schedd/intf.h"
#include "sched/bpf_scheduler.h"

#include "util/result.h"

namespace llm::sched {

class LoadedMaps {
public:
    [[nodiscard]] static util::Result<LoadedMaps> find();
    LoadedMaps(LoadedMaps&& o) noexcept;
    LoadedMaps& operator=(LoadedMaps&&) = delete;
    LoadedMaps(const LoadedMaps&) = delete;
    ~LoadedMaps();

    // The live policy table: the slot with the highest generation.
    [[nodiscard]] std::optional<llm_policy> policy() const;
    [[nodiscard]] std::vector<ClassStats> stats(uint32_t nr_classes) const;
    [[nodiscard]] std::optional<llm_task_ctx> task(int tid) const;

private:
    LoadedMaps() = default;
    int policy_fd_ = -1;
    int stats_fd_ = -1;
    int task_fd_ = -1;
};

// Shared by the daemon and llm-schedctl: reads one task's context through a
// pidfd (thread pidfds need Linux 6.9; older kernels find group leaders).
std::optional<llm_task_ctx> lookup_task_ctx(int map_fd, int tid);
// Sums a per-CPU stats array into ClassStats for classes [0, nr_classes).
std::vector<ClassStats> read_class_stats(int map_fd, uint32_t nr_classes);

}  // namespace llm::sched
