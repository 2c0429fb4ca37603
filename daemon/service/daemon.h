// SPDX-License-Identifier: GPL-2.0-only
// The running daemon: start-up, the loop, and shutdown. It owns the parts
// and wires them together:
//   supervisor.h          attach, ejection and re-attach, CPU hotplug
//   reload_transaction.h  a reload as stage, commit, roll back
//   endpoints.h           control socket group, metrics listener, file watch
//   control_handlers.h    status, stats, reload requests; Prometheus text
//   memory/memory_manager.h  knobs, mounts, cgroups, placement
// Reloads come from SIGHUP, file changes and `llm-schedctl reload`; SIGTERM
// or SIGINT detaches and restores.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "control/pending_requests.h"
#include "memory/memory_manager.h"
#include "policy/machine.h"
#include "protocol/options.h"
#include "service/control_handlers.h"
#include "service/endpoints.h"
#include "service/live_policy.h"
#include "service/class_sizer.h"
#include "service/memory_protector.h"
#include "service/phase_splitter.h"
#include "service/reload_ledger.h"
#include "service/supervisor.h"
#include "util/unique_fd.h"

namespace llm::service {

class Daemon {
public:
    explicit Daemon(Options opt);
    int run();

private:
    using Clock = std::chrono::steady_clock;

    [[nodiscard]] util::Status start();
    void loop(int signal_fd);
    void shut_down();
    ReloadResult reload(const std::string& why, uint64_t received_ns);
    void reload_if_file_changed();
    void serve_control();
    void run_timers();
    void notify_status() const;
    [[nodiscard]] int poll_timeout_ms() const;
    [[nodiscard]] DaemonView view() const;
    // The uid besides root that may own the policy; none with --allow-unsafe-config.
    [[nodiscard]] std::optional<uid_t> policy_trust() const;

    Options opt_;
    policy::Machine machine_;
    std::optional<LivePolicy> live_;
    Supervisor supervisor_;
    memory::MemoryManager memory_;
    Endpoints endpoints_;
    control::PendingRequests control_pending_;
    PhaseMarks phase_marks_;
    PhaseSplitter splitter_;
    ClassSizer sizer_;
    MemoryProtector protector_;
    ReloadLedger reloads_;

    std::optional<Clock::time_point> file_changed_at_;
    size_t refused_hash_ = 0;  // contents of the last file refused on change
    Clock::time_point started_;
    Clock::time_point last_stats_;
    Clock::time_point last_memory_tick_{};
    std::chrono::microseconds watchdog_every_{0};
    Clock::time_point last_watchdog_;
};

}  // namespace llm::service
