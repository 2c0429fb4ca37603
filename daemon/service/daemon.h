// The running daemon: attaches the scheduler, reloads the policy on SIGHUP,
// survives ejections (re-attach with backoff, then run on without), and
// detaches on SIGTERM/SIGINT.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>

#include "policy/machine.h"
#include "sched/bpf_scheduler.h"
#include "service/options.h"
#include "service/policy_source.h"

namespace llm::service {

class Daemon {
public:
    explicit Daemon(Options opt);
    int run();

private:
    using Clock = std::chrono::steady_clock;

    std::optional<std::string> start_scheduler();
    void on_scheduler_exit(const sched::ExitRecord& rec);
    void maybe_reattach();
    void reload(const char* why);
    void log_stats();

    Options opt_;
    policy::Machine machine_;
    std::optional<LoadedPolicy> live_;
    uint64_t generation_ = 0;
    std::unique_ptr<sched::BpfScheduler> sched_;
    std::deque<Clock::time_point> reattaches_;
    std::optional<Clock::time_point> reattach_at_;
    bool gave_up_ = false;
    Clock::time_point last_stats_;
};

}  // namespace llm::service
