// SPDX-License-Identifier: GPL-2.0-only
#include "service/daemon.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "sched/sched_ext_sysfs.h"
#include "service/machine_probe.h"
#include "service/reload_transaction.h"

namespace llm::service {
namespace {

// How often the loop looks for an ejection when nothing else is due: the
// kernel has already fallen back to its own scheduler by then, so this only
// delays the re-attach, and fewer wake-ups keep the idle daemon cheap.
constexpr auto kExitPoll = std::chrono::milliseconds(250);
// A control client has this long to send its request line; at most
// kMaxControlWaiting connections wait at once (the oldest is dropped).
constexpr auto kClientTimeout = std::chrono::milliseconds(1000);
constexpr size_t kMaxControlWaiting = 64;

uint64_t mono_ns()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

// The memory manager as the reload transaction's memory port.
class MemoryEffects final : public MemoryPort {
public:
    explicit MemoryEffects(memory::MemoryManager& m) : m_(m) {}
    util::Status check(const policy::Policy& p) override { return m_.check(p); }
    util::Status apply(const policy::Policy& p, const char* when) override { return m_.apply(p, when); }

private:
    memory::MemoryManager& m_;
};

// Whether a cgroup that a rule names, and that did not exist when the
// policy was compiled, exists now (the memory side may just have made it).
bool rule_cgroup_appeared(const policy::CompiledPolicy& c)
{
    return std::any_of(c.unresolved_cgroups.begin(), c.unresolved_cgroups.end(),
                       [](const std::string& path) { return resolve_cgroup(path).has_value(); });
}

void log_compile_notes(const policy::CompiledPolicy& c)
{
    for (const auto& set : c.cpu_sets)
        spdlog::info("{}", set);
    for (const auto& note : c.notes)
        spdlog::warn("{}", note);
}

}  // namespace

Daemon::Daemon(Options opt)
    : opt_(std::move(opt)),
      machine_(probe_machine()),
      supervisor_(machine_),
      memory_(opt_.state_dir, machine_),
      endpoints_(opt_.config),
      control_pending_("\n", control::kMaxRequestBytes, kClientTimeout, kMaxControlWaiting)
{
}

DaemonView Daemon::view() const
{
    return {opt_, machine_, *live_, supervisor_, memory_, endpoints_, reloads_, phase_marks_, splitter_, sizer_, protector_, started_};
}

ReloadResult Daemon::reload(const std::string& why, uint64_t received_ns)
{
    sd_notify(0, "RELOADING=1");
    ReloadResult res;
    res.trigger = why;
    res.received_ns = received_ns;
    auto refuse = [&](std::string error) {
        res.ok = false;
        res.error = std::move(error);
        res.generation = live_->generation;
        ++reloads_.refused;
        spdlog::error("reload ({}) refused; generation {} stays live:\n{}", why, live_->generation, res.error);
        reloads_.last = res;
        notify_status();
        return res;
    };
    auto text = read_policy_file(opt_.config, policy_trust());
    if (!text)
        return refuse(text.error());
    auto next = load_policy_text(*text, opt_.config, machine_, live_->next_generation());
    if (!next)
        return refuse(next.error());
    uint64_t loaded_ns = mono_ns();

    MemoryEffects memory(memory_);
    auto out = run_reload_transaction(
        {live_->policy(), *live_->compiled().table, next->policy, *next->compiled.table},
        {supervisor_, memory, endpoints_});
    if (!out.ok) {
        if (out.tables_pushed)
            live_->last_issued = next->compiled.table->generation;  // the tables carried it
        res.rollback_errors = out.rollback_errors;
        if (!out.rollback_errors.empty()) {
            ++reloads_.rollbacks_failed;
            reloads_.last_rollback_errors = out.rollback_errors;
            for (const auto& e : out.rollback_errors)
                spdlog::error("reload ({}): ROLLBACK FAILED, the host matches neither generation: {}", why, e);
        }
        return refuse(out.reason);
    }
    res.applied_ns = mono_ns();
    const auto& old_s = live_->policy().scheduler;
    const auto& new_s = next->policy.scheduler;
    if (supervisor_.attached() && (old_s.watchdog_ns != new_s.watchdog_ns ||
                                   old_s.test_fault_after_dispatches != new_s.test_fault_after_dispatches))
        spdlog::warn("scheduler.watchdog_ms and test settings take effect at the next attach");
    uint64_t generation = next->compiled.table->generation;
    live_ = LivePolicy{std::move(*next), generation, generation};
    ++reloads_.ok;
    refused_hash_ = 0;
    // A class added by this reload got its cgroup after its rules were
    // compiled: one more generation matches it. (Only then: a rule on a
    // cgroup nobody made yet costs no extra generation.)
    if (supervisor_.attached() && rule_cgroup_appeared(live_->compiled())) {
        if (auto st = supervisor_.recompile(*live_); !st)
            spdlog::error("reload ({}): cannot push the tables for the class cgroups just made: {}", why, st.error());
        else
            spdlog::info("reload ({}): generation {} matches the class cgroups just made", why, live_->generation);
    }
    log_compile_notes(live_->compiled());
    supervisor_.follow(*live_);
    splitter_.reset(*live_);
    sizer_.reset(*live_);
    protector_.reset(live_->policy());
    res.ok = true;
    res.generation = live_->generation;
    reloads_.last = res;
    spdlog::info("reload ({}): generation {} live in {} us (read and compile {} us, tables {} us)", why,
                 live_->generation, (res.applied_ns - received_ns) / 1000, (loaded_ns - received_ns) / 1000,
                 (res.applied_ns - loaded_ns) / 1000);
    notify_status();
    return res;
}

void Daemon::reload_if_file_changed()
{
    if (!file_changed_at_ ||
        Clock::now() - *file_changed_at_ < std::chrono::nanoseconds(live_->policy().daemon.reload_debounce_ns))
        return;
    file_changed_at_.reset();
    auto hash = policy_file_hash(opt_.config);
    if (hash && (*hash == live_->loaded.content_hash || *hash == refused_hash_))
        return;  // touched but not changed, or the same broken file again
    auto res = reload("file changed", mono_ns());
    if (!res.ok)
        refused_hash_ = hash.value_or(0);
}

void Daemon::serve_control()
{
    auto now = Clock::now();
    while (auto conn = endpoints_.control().accept())
        control_pending_.add(std::move(conn->fd), conn->peer, now);
    control_pending_.service(now, [&](const control::Peer& peer, const std::optional<std::string>& line,
                                      const std::string& read_error) {
        nlohmann::json reply;
        auto req = line ? control::parse_request(*line) : util::Result<control::Request>(util::error(read_error));
        if (!req) {
            reply = {{"ok", false}, {"error", req.error()}};
        } else if (auto denied = control::authorize(*req, peer, endpoints_.control_gid())) {
            spdlog::warn("control socket: refused {} from uid {} (pid {}): {}", control::to_string(req->command),
                         peer.uid, peer.pid, *denied);
            reply = {{"ok", false}, {"error", *denied}};
        } else {
            reply = handle_request(*req, peer, mono_ns(), view(),
                                   [this](const std::string& why, uint64_t at) { return reload(why, at); });
        }
        return reply.dump() + "\n";
    });
}

void Daemon::notify_status() const
{
    std::string s = "READY=1\nSTATUS=generation " + std::to_string(live_->generation) + " live; " +
                    supervisor_.state_text(*live_);
    if (!reloads_.last.ok && !reloads_.last.trigger.empty())
        s += "; last reload refused";
    if (reloads_.rollbacks_failed)
        s += "; a rollback FAILED (see status)";
    sd_notify(0, s.c_str());
}

std::optional<uid_t> Daemon::policy_trust() const
{
    if (opt_.allow_unsafe_config)
        return std::nullopt;
    return geteuid();
}

int Daemon::poll_timeout_ms() const
{
    auto now = Clock::now();
    auto next = now + kExitPoll;
    auto sooner = [&](Clock::time_point t) { next = std::min(next, t); };
    if (file_changed_at_)
        sooner(*file_changed_at_ + std::chrono::nanoseconds(live_->policy().daemon.reload_debounce_ns));
    if (auto t = supervisor_.reattach_at())
        sooner(*t);
    if (watchdog_every_.count() > 0)
        sooner(last_watchdog_ + watchdog_every_);
    sooner(last_memory_tick_ + memory_.tick_every());
    if (auto t = control_pending_.next_deadline())
        sooner(*t);
    if (auto t = phase_marks_.next_deadline())
        sooner(*t);
    if (auto t = splitter_.next_deadline())
        sooner(*t);
    if (auto t = sizer_.next_deadline())
        sooner(*t);
    if (auto t = protector_.next_deadline())
        sooner(*t);
    if (const auto* m = endpoints_.metrics())
        if (auto t = m->pending().next_deadline())
            sooner(*t);
    if (opt_.stats_interval_s > 0)
        sooner(last_stats_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt_.stats_interval_s)));
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::max<decltype(ms)>(ms, 0));
}

// Everything that can refuse to start does so before the scheduler
// attaches; a refusal after the memory side changed restores it first.
util::Status Daemon::start()
{
    auto status = sched::read_sched_ext_status();
    const auto& p = live_->policy();
    if (p.scheduler.enabled) {
        if (!status.available && p.memory.empty() && !p.has_class_cgroups())
            return util::error("this kernel has no sched_ext (/sys/kernel/sched_ext is missing; it needs "
                               "CONFIG_SCHED_CLASS_EXT=y, Linux 6.12+): cannot run llm_sched");
        if (!status.available) {
            spdlog::warn("this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT, Linux 6.12+): the scheduler is "
                         "unavailable; applying the memory policy only");
            supervisor_.mark_unavailable();
        }
        if (status.state == "enabled" || status.state == "enabling")
            return util::error("another sched_ext scheduler (\"" + status.ops + "\") is running; stop it first");
    }
    if (auto st = endpoints_.open(opt_.socket, p.daemon); !st)
        return st;
    // Beside the control socket, open to every user (service/phase_marks.h).
    if (auto st = phase_marks_.open((std::filesystem::path(opt_.socket).parent_path() / "phase.sock").string()); !st)
        return st;
    if (auto st = memory_.adopt(p); !st)
        return st;
    if (auto st = memory_.apply(p, "start"); !st) {
        spdlog::error("memory: {}; restoring what was changed", st.error());
        memory_.restore(false);
        return util::error("memory: " + st.error());
    }
    // The memory side may just have made the cgroups that class rules name
    // (a class with a memory section gets its own): match them from the
    // first table, not from the next reload.
    if (rule_cgroup_appeared(live_->compiled()))
        live_->loaded.compiled = policy::compile(p, machine_, resolve_cgroup, live_->generation);
    log_compile_notes(live_->compiled());
    if (p.scheduler.enabled && supervisor_.available()) {
        if (auto st = supervisor_.start(*live_); !st) {
            memory_.restore(false);
            return st;
        }
    } else {
        spdlog::info("scheduler disabled by policy (scheduler.enabled = false)");
    }
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
        watchdog_every_ = std::chrono::microseconds(watchdog_usec / 2);
        spdlog::info("systemd watchdog: pinging every {} ms", watchdog_usec / 2000);
    }
    spdlog::info("control socket {}{}", opt_.socket,
                 p.daemon.control_group ? " (read-only for group " + *p.daemon.control_group + ")" : " (root only)");
    return {};
}

void Daemon::run_timers()
{
    auto now = Clock::now();
    if (watchdog_every_.count() > 0 && now - last_watchdog_ >= watchdog_every_) {
        last_watchdog_ = now;
        sd_notify(0, "WATCHDOG=1");
    }
    if (now - last_memory_tick_ >= memory_.tick_every()) {
        last_memory_tick_ = now;
        memory_.tick();
    }
    if (opt_.stats_interval_s > 0 && now - last_stats_ >= std::chrono::duration<double>(opt_.stats_interval_s)) {
        last_stats_ = now;
        if (auto text = stats_log_text(view()); !text.empty())
            spdlog::info("{}", text);
    }
}

void Daemon::loop(int signal_fd)
{
    for (;;) {
        // Fixed slots first; then every connection still sending its request.
        std::vector<pollfd> pfd = {{signal_fd, POLLIN, 0}, {endpoints_.control().fd(), POLLIN, 0},
                                   {-1, POLLIN, 0}, {-1, POLLIN, 0}, {memory_.events_fd(), POLLIN, 0}};
        if (auto* m = endpoints_.metrics())
            pfd[2].fd = m->fd();
        if (auto* w = endpoints_.watch())
            pfd[3].fd = w->fd();
        control_pending_.add_pollfds(pfd);
        phase_marks_.add_pollfds(pfd);
        protector_.add_pollfds(pfd);
        if (auto* m = endpoints_.metrics())
            m->pending().add_pollfds(pfd);
        poll(pfd.data(), pfd.size(), poll_timeout_ms());

        bool stop = false;
        signalfd_siginfo si{};
        while (read(signal_fd, &si, sizeof(si)) == sizeof(si)) {
            if (si.ssi_signo == SIGHUP) {
                (void)reload("SIGHUP", mono_ns());  // the outcome is logged and kept for status
            } else {
                spdlog::info("{} received: detaching", strsignal(static_cast<int>(si.ssi_signo)));
                stop = true;
            }
        }
        if (stop)
            return;
        // Cheap when idle: an accept and a read per waiting connection, both non-blocking.
        serve_control();
        phase_marks_.serve(supervisor_);
        if (auto* m = endpoints_.metrics())
            m->serve([this] { return prometheus_text(view()); });
        // The watch may have been swapped by a reload just above: look it up again.
        if (auto* w = endpoints_.watch(); w && pfd[3].fd == w->fd() && (pfd[3].revents & POLLIN) && w->drain())
            file_changed_at_ = Clock::now();
        if (pfd[4].fd >= 0 && (pfd[4].revents & POLLIN))
            memory_.on_events();
        reload_if_file_changed();
        if (supervisor_.poll(*live_))
            notify_status();
        if (splitter_.tick(*live_, supervisor_))
            notify_status();
        if (sizer_.tick(*live_, supervisor_, machine_))
            notify_status();
        if (protector_.tick(pfd))
            notify_status();
        run_timers();
    }
}

void Daemon::shut_down()
{
    // A second SIGTERM/SIGINT while we clean up ends the process at once.
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    sigset_t stop_mask;
    sigemptyset(&stop_mask);
    sigaddset(&stop_mask, SIGTERM);
    sigaddset(&stop_mask, SIGINT);
    sigprocmask(SIG_UNBLOCK, &stop_mask, nullptr);
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: detaching llm_sched");
    if (supervisor_.attached()) {
        supervisor_.detach();
        spdlog::info("scheduler detached: sched_ext state {}", sched::read_sched_ext_status().state);
    }
    if (live_->policy().memory.restore_on_exit)
        protector_.restore();
    memory_.restore(!live_->policy().memory.restore_on_exit);
    endpoints_.close_control();
}

int Daemon::run()
{
    started_ = Clock::now();
    auto text = read_policy_file(opt_.config, policy_trust());
    if (!text) {
        std::fprintf(stderr, "%s\n", text.error().c_str());
        return 1;
    }
    auto loaded = load_policy_text(*text, opt_.config, machine_, 1);
    if (!loaded) {
        std::fputs(loaded.error().c_str(), stderr);
        return 1;
    }
    live_ = LivePolicy{std::move(*loaded), 1, 1};

    // Signals are blocked before anything changes, so none can end the
    // process between a change and its restore.
    sigset_t mask;
    sigemptyset(&mask);
    for (int s : {SIGTERM, SIGINT, SIGHUP})
        sigaddset(&mask, s);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    util::UniqueFd sfd(signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!sfd) {
        spdlog::error("signalfd: {}", std::strerror(errno));
        return 1;
    }
    if (auto st = start(); !st) {
        spdlog::error("{}", st.error());
        return 1;
    }
    splitter_.reset(*live_);
    sizer_.reset(*live_);
    protector_.reset(live_->policy());
    notify_status();
    last_stats_ = last_watchdog_ = last_memory_tick_ = Clock::now();
    loop(sfd.get());
    shut_down();
    return 0;
}

}  // namespace llm::service
