// SPDX-License-Identifier: GPL-2.0-only
// Owns the llm_sched BPF object: open/load, policy table pushes, attach,
// detach, stats and the kernel's exit record. One instance per attach; a
// re-attach after an ejection builds a fresh one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "llm_schedd/intf.h"
#include "sched/grace_period.h"
#include "plan/policy_slots.h"
#include "util/result.h"

struct llm_sched;  // generated skeleton
struct bpf_link;

namespace llm::sched {

struct LoadOptions {
    uint32_t nr_cpus = 1;
    uint32_t timeout_ms = 5000;            // kernel watchdog
    uint64_t fault_after_dispatches = 0;   // test only
};

struct ExitRecord {
    int32_t kind = 0;
    int64_t code = 0;
    std::string reason;
    std::string msg;
    std::string dump;  // the kernel's state dump, on an error exit
    [[nodiscard]] std::string kind_name() const;
};

struct ClassStats {
    llm_class_stats total{};                   // summed over CPUs
    std::vector<llm_class_stats> per_cpu;
};

// Adds one CPU's scheduler-wide counters into `total` (maxima stay maxima).
void add_sched_stats(llm_sched_stats& total, const llm_sched_stats& cpu);

class BpfScheduler {
public:
    BpfScheduler();
    ~BpfScheduler();
    BpfScheduler(const BpfScheduler&) = delete;
    BpfScheduler& operator=(const BpfScheduler&) = delete;

    // Opens and loads the embedded program.
    [[nodiscard]] util::Status load(const LoadOptions& opt);
    // Writes the table into the inactive slot, makes it live, and waits
    // until no callback can still read the old one (plan/policy_slots.h).
    [[nodiscard]] util::Status push(const llm_policy& table);
    [[nodiscard]] util::Status attach();
    void detach();
    [[nodiscard]] bool attached() const { return link_ != nullptr; }

    // Set once the kernel has called ops.exit (ejection or detach).
    [[nodiscard]] std::optional<ExitRecord> exit_record() const;
    [[nodiscard]] std::vector<ClassStats> read_stats(uint32_t nr_classes) const;
    // Scheduler-wide counters, summed over CPUs.
    [[nodiscard]] llm_sched_stats read_sched_stats() const;
    // intf.h's llm_kernel_feature bits, set by ops.init (0 before attach).
    [[nodiscard]] uint32_t kernel_features() const;
    // Dispatches that found their policy slot being rewritten (should stay 0).
    [[nodiscard]] uint64_t torn_reads() const;
    [[nodiscard]] uint64_t grace_periods() const { return slots_.grace_periods(); }
    // Counts CPU online/offline events seen by the scheduler.
    [[nodiscard]] uint64_t hotplug_seq() const;
    // Before attach: tells the scheduler which possible CPUs are offline.
    void set_offline(const std::set<unsigned>& online, unsigned nr_possible);
    // Sets (phase != none) or clears a mark in phase_marks (intf.h's
    // llm_mark_kind and id). ENOSPC when the map is full.
    [[nodiscard]] util::Status set_mark(uint32_t kind, uint32_t id, uint32_t phase);
    // The online set, corrected by the scheduler's own hotplug events:
    // ops.cpu_offline runs before sysfs stops listing the CPU.
    [[nodiscard]] std::set<unsigned> online_cpus(std::set<unsigned> from_sysfs) const;

private:
    class SkelSlots;
    llm_sched* skel_ = nullptr;
    struct bpf_link* link_ = nullptr;
    std::optional<GracePeriod> grace_;
    PolicySlots slots_;
    bool pushed_ = false;
};

}  // namespace llm::sched
