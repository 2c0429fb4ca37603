// The running daemon: attaches the scheduler, reloads the policy (SIGHUP,
// file changes, `llm-schedctl reload`), answers the control socket and the
// optional metrics endpoint, survives ejections (re-attach with backoff,
// then run on without), keeps the systemd watchdog fed, and detaches on
// SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "control/control_socket.h"
#include "control/metrics_http.h"
#include "control/pending_requests.h"
#include "protocol/request.h"
#include "memory/memory_manager.h"
#include "policy/machine.h"
#include "sched/bpf_scheduler.h"
#include "report/stats_report.h"
#include "service/config_watch.h"
#include "protocol/options.h"
#include "service/policy_source.h"

namespace llm::service {

struct ReloadResult {
    bool ok = false;
    uint64_t generation = 0;     // live after the attempt
    std::string trigger;
    std::string error;           // why it was refused
    uint64_t received_ns = 0;    // CLOCK_MONOTONIC when the request arrived
    uint64_t applied_ns = 0;     // CLOCK_MONOTONIC when the new tables were live
};

class Daemon {
public:
    explicit Daemon(Options opt);
    int run();

private:
    using Clock = std::chrono::steady_clock;

    std::optional<std::string> start_scheduler();
    void on_scheduler_exit(const sched::ExitRecord& rec);
    void maybe_reattach();
    void on_cpu_hotplug();
    ReloadResult reload(const std::string& why, uint64_t received_ns);
    void reload_if_file_changed();
    std::optional<std::string> open_endpoints(const policy::DaemonSpec& spec);
    void serve_control();
    nlohmann::json handle(const control::Request& req, const control::Peer& peer, uint64_t received_ns);
    nlohmann::json status_json() const;
    std::vector<sched::ClassReport> class_reports() const;
    std::string prometheus() const;
    void log_stats() const;
    void notify_status() const;
    int poll_timeout_ms() const;
    // The uid besides root that may own the policy; none with --allow-unsafe-config.
    [[nodiscard]] std::optional<uid_t> policy_trust() const;

    Options opt_;
    policy::Machine machine_;
    std::optional<LoadedPolicy> live_;
    uint64_t generation_ = 0;
    std::unique_ptr<sched::BpfScheduler> sched_;
    std::deque<Clock::time_point> reattaches_;
    std::optional<Clock::time_point> reattach_at_;
    bool gave_up_ = false;
    uint64_t hotplug_seen_ = 0;    // the scheduler's hotplug_seq last acted on
    uint64_t hotplug_events_ = 0;
    bool no_sched_ext_ = false;  // memory-only mode on a kernel without sched_ext
    std::string last_exit_;  // the kernel's last exit record, for status

    memory::MemoryManager memory_;
    Clock::time_point last_memory_tick_{};
    std::optional<control::ControlSocket> control_;
    control::PendingRequests control_pending_;
    std::optional<control::MetricsHttp> metrics_;
    std::optional<ConfigWatch> watch_;
    std::optional<gid_t> control_gid_;
    std::optional<Clock::time_point> file_changed_at_;
    size_t refused_hash_ = 0;  // contents of the last file refused on change

    ReloadResult last_reload_;
    uint64_t reloads_ok_ = 0;
    uint64_t reloads_refused_ = 0;
    uint64_t ejections_ = 0;
    Clock::time_point started_;
    Clock::time_point last_stats_;
    std::chrono::microseconds watchdog_every_{0};
    Clock::time_point last_watchdog_;
};

}  // namespace llm::service
