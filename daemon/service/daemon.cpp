#include "service/daemon.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "sched/stats_report.h"
#include "sched/sched_ext_sysfs.h"

namespace llm::service {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(100);

}  // namespace

Daemon::Daemon(Options opt) : opt_(std::move(opt)), machine_(policy::Machine::probe()) {}

std::optional<std::string> Daemon::start_scheduler()
{
    const auto& s = live_->policy.scheduler;
    auto sched = std::make_unique<sched::BpfScheduler>();
    sched::LoadOptions lo;
    lo.nr_cpus = machine_.nr_possible_cpus;
    lo.timeout_ms = static_cast<uint32_t>(s.watchdog_ns / 1'000'000);
    lo.fault_after_dispatches = s.test_fault_after_dispatches;
    if (auto err = sched->load(lo))
        return err;
    if (auto err = sched->push(*live_->compiled.table))
        return err;
    if (auto err = sched->attach())
        return err;
    sched_ = std::move(sched);
    auto st = sched::read_sched_ext_status();
    spdlog::info("scheduler llm_sched attached: state {}, ops {}, generation {}, {} classes", st.state, st.ops,
                 generation_, live_->compiled.class_names.size());
    return std::nullopt;
}

void Daemon::on_scheduler_exit(const sched::ExitRecord& rec)
{
    spdlog::error("scheduler ejected by the kernel: {} (exit code {}): {}{}{}", rec.kind_name(), rec.code,
                  rec.reason, rec.msg.empty() ? "" : ": ", rec.msg);
    sched_.reset();
    const auto& s = live_->policy.scheduler;
    auto now = Clock::now();
    auto window = std::chrono::nanoseconds(s.reattach_window_ns);
    while (!reattaches_.empty() && now - reattaches_.front() > window)
        reattaches_.pop_front();
    if (reattaches_.size() >= s.max_reattach) {
        gave_up_ = true;
        spdlog::error("scheduler ejected {} times within {}s: running on without llm_sched (kernel default "
                      "scheduler) until the next reload",
                      reattaches_.size() + 1, s.reattach_window_ns / 1'000'000'000);
        sd_notify(0, "STATUS=scheduler unavailable after repeated ejections; memory policy only");
        return;
    }
    auto backoff = std::chrono::seconds(1) * (1 << std::min<size_t>(reattaches_.size(), 5));
    reattach_at_ = now + backoff;
    spdlog::warn("re-attaching in {}s (attempt {} of {} in this window)",
                 std::chrono::duration_cast<std::chrono::seconds>(backoff).count(), reattaches_.size() + 1,
                 s.max_reattach);
}

void Daemon::maybe_reattach()
{
    if (!reattach_at_ || Clock::now() < *reattach_at_)
        return;
    reattach_at_.reset();
    reattaches_.push_back(Clock::now());
    if (auto err = start_scheduler()) {
        spdlog::error("re-attach failed: {}", *err);
        on_scheduler_exit(sched::ExitRecord{1024, 0, "re-attach failed", *err});
    }
}

void Daemon::reload(const char* why)
{
    sd_notify(0, "RELOADING=1");
    std::string report;
    auto next = load_policy_file(opt_.config, machine_, generation_ + 1, &report);
    if (!next) {
        spdlog::error("reload ({}) refused; generation {} stays live:\n{}", why, generation_, report);
        sd_notifyf(0, "READY=1\nSTATUS=reload refused, generation %llu live",
                   static_cast<unsigned long long>(generation_));
        return;
    }
    if (sched_) {
        if (auto err = sched_->push(*next->compiled.table)) {
            spdlog::error("reload ({}) failed: {}; generation {} stays live", why, *err, generation_);
            sd_notify(0, "READY=1");
            return;
        }
    }
    ++generation_;
    live_ = std::move(next);
    for (const auto& note : live_->compiled.notes)
        spdlog::warn("{}", note);
    if (gave_up_ && live_->policy.scheduler.enabled) {
        gave_up_ = false;
        reattaches_.clear();
        reattach_at_ = Clock::now();
    }
    spdlog::info("reload ({}): generation {} live", why, generation_);
    sd_notifyf(0, "READY=1\nSTATUS=generation %llu live", static_cast<unsigned long long>(generation_));
}

void Daemon::log_stats()
{
    if (!sched_)
        return;
    const auto& names = live_->compiled.class_names;
    auto stats = sched_->read_stats(static_cast<uint32_t>(names.size()));
    std::vector<sched::ClassReport> rows;
    for (size_t k = 0; k < stats.size(); ++k)
        rows.push_back({names[k], live_->compiled.table->classes[k].priority, stats[k].total, stats[k].per_cpu});
    auto st = sched::read_sched_ext_status();
    spdlog::info("sched_ext {}, ops {}, generation {}\n{}", st.state, st.ops, generation_,
                 sched::format_stats_table(rows));
}

int Daemon::run()
{
    std::string report;
    live_ = load_policy_file(opt_.config, machine_, 1, &report);
    if (!live_) {
        std::fputs(report.c_str(), stderr);
        return 1;
    }
    generation_ = 1;
    for (const auto& note : live_->compiled.notes)
        spdlog::warn("{}", note);

    auto status = sched::read_sched_ext_status();
    if (live_->policy.scheduler.enabled) {
        if (!status.available) {
            spdlog::error("this kernel has no sched_ext (/sys/kernel/sched_ext is missing; it needs "
                          "CONFIG_SCHED_CLASS_EXT=y, Linux 6.12+): cannot run llm_sched");
            return 1;
        }
        if (status.state == "enabled" || status.state == "enabling") {
            spdlog::error("another sched_ext scheduler (\"{}\") is running; stop it first", status.ops);
            return 1;
        }
    }

    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP})
        sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        spdlog::error("signalfd: {}", std::strerror(errno));
        return 1;
    }

    if (live_->policy.scheduler.enabled) {
        if (auto err = start_scheduler()) {
            spdlog::error("{}", *err);
            close(sfd);
            return 1;
        }
    } else {
        spdlog::info("scheduler disabled by policy (scheduler.enabled = false)");
    }
    sd_notifyf(0, "READY=1\nSTATUS=generation %llu live", static_cast<unsigned long long>(generation_));
    last_stats_ = Clock::now();

    for (;;) {
        pollfd pfd{sfd, POLLIN, 0};
        poll(&pfd, 1, static_cast<int>(kPollInterval.count()));
        signalfd_siginfo si{};
        bool stop = false;
        while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
            if (si.ssi_signo == SIGHUP) {
                reload("SIGHUP");
            } else {
                spdlog::info("{} received: detaching", strsignal(static_cast<int>(si.ssi_signo)));
                stop = true;
            }
        }
        if (stop)
            break;
        if (sched_) {
            if (auto rec = sched_->exit_record())
                on_scheduler_exit(*rec);
        }
        maybe_reattach();
        if (opt_.stats_interval_s > 0 &&
            Clock::now() - last_stats_ >= std::chrono::duration<double>(opt_.stats_interval_s)) {
            last_stats_ = Clock::now();
            log_stats();
        }
    }

    // A second SIGTERM/SIGINT while we clean up ends the process at once.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigset_t stop_mask;
    sigemptyset(&stop_mask);
    sigaddset(&stop_mask, SIGTERM);
    sigaddset(&stop_mask, SIGINT);
    sigprocmask(SIG_UNBLOCK, &stop_mask, nullptr);
    sd_notify(0, "STOPPING=1");
    if (sched_) {
        sched_->detach();
        sched_.reset();
        spdlog::info("scheduler detached: sched_ext state {}", sched::read_sched_ext_status().state);
    }
    close(sfd);
    return 0;
}

}  // namespace llm::service
