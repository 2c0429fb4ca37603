// SPDX-License-Identifier: GPL-2.0-only
// Keeps llm_sched attached while the policy wants it: loads and attaches
// it, notices an ejection by the kernel and re-attaches with exponential
// backoff (1, 2, 4 ... 32 s), gives up after scheduler.max_reattach
// ejections within reattach_window_ms and runs on without it until the
// next reload, and recompiles the live tables when CPUs come or go.
//
// It is the reload transaction's tables port: with nothing attached a push
// succeeds and does nothing, since the next attach pushes the live tables.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "policy/machine.h"
#include "report/kernel_features.h"
#include "report/stats_report.h"
#include "sched/bpf_scheduler.h"
#include "service/live_policy.h"
#include "service/reload_transaction.h"
#include "util/result.h"

namespace llm::service {

class Supervisor final : public TablesPort {
public:
    using Clock = std::chrono::steady_clock;

    explicit Supervisor(policy::Machine& machine) : machine_(machine) {}

    // Memory-only mode: the kernel has no sched_ext.
    void mark_unavailable() { unavailable_ = true; }
    [[nodiscard]] bool available() const { return !unavailable_; }

    // Loads, pushes the live tables and attaches.
    [[nodiscard]] util::Status start(LivePolicy& live);
    // One turn of the loop: an ejection, a CPU hotplug, a re-attach that is
    // due. Returns true when something changed that status reports.
    bool poll(LivePolicy& live);
    // After a reload committed: detach if the policy turned the scheduler
    // off; schedule an attach if it turned it on (or a given-up one may try again).
    void follow(const LivePolicy& live);
    void detach();

    // The live policy compiled again (for the CPUs online now) and pushed as
    // a new generation: a hotplug, or an auto split that moved. On an error
    // the live generation stays as it was.
    [[nodiscard]] util::Status recompile(LivePolicy& live);

    [[nodiscard]] util::Status push(const llm_policy& table) override;
    [[nodiscard]] util::Status restore(const llm_policy& table) override;

    [[nodiscard]] bool attached() const { return sched_ != nullptr; }
    [[nodiscard]] const sched::BpfScheduler* scheduler() const { return sched_.get(); }
    [[nodiscard]] std::vector<sched::ClassReport> class_reports(const LivePolicy& live) const;
    [[nodiscard]] uint64_t ejections() const { return ejections_; }
    // Each attach starts with no marks set from outside: this counts them.
    [[nodiscard]] uint64_t attaches() const { return attaches_; }
    // A mark in the attached scheduler; with none attached, nothing to do.
    [[nodiscard]] util::Status set_mark(uint32_t kind, uint32_t id, uint32_t phase);
    [[nodiscard]] uint64_t hotplug_events() const { return hotplug_events_; }
    [[nodiscard]] std::optional<Clock::time_point> reattach_at() const { return reattach_at_; }
    [[nodiscard]] nlohmann::json status_json(const LivePolicy& live) const;
    // The systemd STATUS= words for the scheduler.
    [[nodiscard]] std::string state_text(const LivePolicy& live) const;

private:
    report::KernelFeatures kernel_features_;  // as the last attach found them
    void on_exit(const LivePolicy& live, const sched::ExitRecord& rec);
    void on_cpu_hotplug(LivePolicy& live);

    policy::Machine& machine_;
    std::unique_ptr<sched::BpfScheduler> sched_;
    std::deque<Clock::time_point> reattaches_;
    std::optional<Clock::time_point> reattach_at_;
    bool gave_up_ = false;
    bool unavailable_ = false;
    uint64_t hotplug_seen_ = 0;  // the scheduler's hotplug_seq last acted on
    uint64_t hotplug_events_ = 0;
    uint64_t ejections_ = 0;
    uint64_t attaches_ = 0;
    std::string last_exit_;  // the kernel's last exit record
};

}  // namespace llm::service
