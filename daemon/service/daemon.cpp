#include "service/daemon.h"

#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "policy/units.h"
#include "service/machine_probe.h"
#include "sched/sched_ext_sysfs.h"
#include "report/stats_prometheus.h"
#include "version.h"

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

std::optional<gid_t> group_id(const std::optional<std::string>& name)
{
    if (!name)
        return std::nullopt;
    if (const group* g = getgrnam(name->c_str()))
        return g->gr_gid;
    return std::nullopt;  // validation already refused a missing group
}

bool same_endpoint(const std::optional<policy::Endpoint>& a, const std::optional<policy::Endpoint>& b)
{
    return a.has_value() == b.has_value() && (!a || (a->host == b->host && a->port == b->port));
}

}  // namespace

Daemon::Daemon(Options opt)
    : opt_(std::move(opt)),
      machine_(service::probe_machine()),
      memory_(opt_.state_dir, machine_),
      control_pending_("\n", control::kMaxRequestBytes, kClientTimeout, kMaxControlWaiting)
{
}

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
    machine_.online_cpus = service::probe_machine().online_cpus;
    sched->set_offline(machine_.online_cpus, machine_.nr_possible_cpus);
    if (auto err = sched->push(*live_->compiled.table))
        return err;
    if (auto err = sched->attach())
        return err;
    sched_ = std::move(sched);
    hotplug_seen_ = 0;  // a fresh object counts from zero
    if (live_->compiled.online_cpus != machine_.online_cpus)
        on_cpu_hotplug();  // CPUs came or went since the policy was compiled
    auto st = sched::read_sched_ext_status();
    spdlog::info("scheduler llm_sched attached: state {}, ops {}, generation {}, {} classes", st.state, st.ops,
                 generation_, live_->compiled.class_names.size());
    return std::nullopt;
}

void Daemon::on_scheduler_exit(const sched::ExitRecord& rec)
{
    ++ejections_;
    last_exit_ = rec.kind_name() + ": " + rec.reason + (rec.msg.empty() ? "" : ": " + rec.msg);
    spdlog::error("scheduler ejected by the kernel: {} (exit code {}): {}{}{}", rec.kind_name(), rec.code,
                  rec.reason, rec.msg.empty() ? "" : ": ", rec.msg);
    if (!rec.dump.empty())
        spdlog::error("the kernel's sched_ext state at the ejection:\n{}", rec.dump);
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
        notify_status();
        return;
    }
    auto backoff = std::chrono::seconds(1) * (1 << std::min<size_t>(reattaches_.size(), 5));
    reattach_at_ = now + backoff;
    spdlog::warn("re-attaching in {}s (attempt {} of {} in this window)",
                 std::chrono::duration_cast<std::chrono::seconds>(backoff).count(), reattaches_.size() + 1,
                 s.max_reattach);
    notify_status();
}

void Daemon::maybe_reattach()
{
    if (!reattach_at_ || Clock::now() < *reattach_at_)
        return;
    reattach_at_.reset();
    reattaches_.push_back(Clock::now());
    if (auto err = start_scheduler()) {
        spdlog::error("attach failed: {}", *err);
        on_scheduler_exit(sched::ExitRecord{1024, 0, "attach failed", *err, ""});
    }
    notify_status();
}

// Opens what the daemon section asks for that is not open yet. Nothing is
// swapped in unless everything opened.
std::optional<std::string> Daemon::open_endpoints(const policy::DaemonSpec& spec)
{
    std::optional<control::MetricsHttp> metrics;
    bool metrics_changed = !same_endpoint(spec.metrics_listen,
                                          metrics_ ? std::optional(metrics_->endpoint()) : std::nullopt);
    if (metrics_changed && spec.metrics_listen) {
        if (metrics_ && metrics_->endpoint().port == spec.metrics_listen->port)
            metrics_.reset();  // same port, other loopback address: free it first
        std::string err;
        metrics = control::MetricsHttp::open(*spec.metrics_listen, &err);
        if (!metrics)
            return err;
    }
    std::optional<ConfigWatch> watch;
    if (spec.watch_config && !watch_) {
        std::string err;
        watch = ConfigWatch::open(opt_.config, &err);
        if (!watch)
            return err;
    }
    auto gid = group_id(spec.control_group);
    if (control_ && gid != control_gid_) {
        if (auto err = control_->set_group(gid))
            return err;
    }
    control_gid_ = gid;
    if (metrics_changed) {
        metrics_ = std::move(metrics);
        if (metrics_)
            spdlog::info("serving metrics on http://{}:{}/metrics", metrics_->endpoint().host,
                         metrics_->endpoint().port);
    }
    if (!spec.watch_config)
        watch_.reset();
    else if (watch)
        watch_ = std::move(watch);
    return std::nullopt;
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
        res.generation = generation_;
        ++reloads_refused_;
        spdlog::error("reload ({}) refused; generation {} stays live:\n{}", why, generation_, res.error);
        last_reload_ = res;
        notify_status();
        return res;
    };
    auto text = read_policy_file(opt_.config, policy_trust());
    if (!text)
        return refuse(text.error());
    std::string report;
    auto next = load_policy_text(*text, opt_.config, machine_, generation_ + 1, &report);
    if (!next)
        return refuse(report);
    uint64_t loaded_ns = mono_ns();
    if (sched_) {
        if (auto err = sched_->push(*next->compiled.table))
            return refuse("cannot push the new tables: " + *err);
    }
    if (auto err = open_endpoints(next->policy.daemon)) {
        if (sched_)
            sched_->push(*live_->compiled.table);  // back to the previous generation
        return refuse(*err);
    }
    if (auto err = memory_.apply(next->policy, "reload")) {
        if (sched_)
            sched_->push(*live_->compiled.table);
        memory_.apply(live_->policy, "rollback");
        return refuse("memory: " + *err);
    }
    res.applied_ns = mono_ns();
    const auto& old_s = live_->policy.scheduler;
    const auto& new_s = next->policy.scheduler;
    if (sched_ && (old_s.watchdog_ns != new_s.watchdog_ns ||
                   old_s.test_fault_after_dispatches != new_s.test_fault_after_dispatches))
        spdlog::warn("scheduler.watchdog_ms and test settings take effect at the next attach");
    ++generation_;
    ++reloads_ok_;
    live_ = std::move(next);
    refused_hash_ = 0;
    for (const auto& note : live_->compiled.notes)
        spdlog::warn("{}", note);
    if (!new_s.enabled && sched_) {
        sched_->detach();
        sched_.reset();
        reattach_at_.reset();
        spdlog::info("scheduler detached: the policy disables it");
    } else if (new_s.enabled && !sched_ && !no_sched_ext_ && (gave_up_ || !reattach_at_)) {
        gave_up_ = false;
        reattaches_.clear();
        reattach_at_ = Clock::now();
    }
    res.ok = true;
    res.generation = generation_;
    last_reload_ = res;
    spdlog::info("reload ({}): generation {} live in {} us (read and compile {} us, tables {} us)", why,
                 generation_, (res.applied_ns - received_ns) / 1000, (loaded_ns - received_ns) / 1000,
                 (res.applied_ns - loaded_ns) / 1000);
    notify_status();
    return res;
}

// The live policy, compiled again for the CPUs online now. Not a reload of
// the file: an edit waiting there (or a broken one) must not decide whether
// the queues of a CPU that left get served.
void Daemon::on_cpu_hotplug()
{
    hotplug_seen_ = sched_->hotplug_seq();
    ++hotplug_events_;
    machine_ = service::probe_machine();
    machine_.online_cpus = sched_->online_cpus(machine_.online_cpus);
    auto compiled = policy::compile(live_->policy, machine_, resolve_cgroup, generation_ + 1);
    if (auto err = sched_->push(*compiled.table)) {
        spdlog::error("CPU hotplug: cannot push the tables for online CPUs {}: {}",
                      policy::format_cpu_list(machine_.online_cpus), *err);
        return;
    }
    ++generation_;
    live_->compiled = std::move(compiled);
    spdlog::warn("CPU hotplug: online CPUs now {}; generation {} live, compiled for them",
                 policy::format_cpu_list(machine_.online_cpus), generation_);
    for (const auto& note : live_->compiled.notes)
        spdlog::warn("{}", note);
    notify_status();
}

void Daemon::reload_if_file_changed()
{
    if (!file_changed_at_ ||
        Clock::now() - *file_changed_at_ < std::chrono::nanoseconds(live_->policy.daemon.reload_debounce_ns))
        return;
    file_changed_at_.reset();
    auto hash = policy_file_hash(opt_.config);
    if (hash && (*hash == live_->content_hash || *hash == refused_hash_))
        return;  // touched but not changed, or the same broken file again
    auto res = reload("file changed", mono_ns());
    if (!res.ok)
        refused_hash_ = hash.value_or(0);
}

std::vector<sched::ClassReport> Daemon::class_reports() const
{
    std::vector<sched::ClassReport> rows;
    if (!sched_)
        return rows;
    const auto& names = live_->compiled.class_names;
    auto stats = sched_->read_stats(static_cast<uint32_t>(names.size()));
    for (size_t k = 0; k < stats.size(); ++k)
        rows.push_back({names[k], live_->compiled.table->classes[k].priority, stats[k].total, stats[k].per_cpu});
    return rows;
}

std::string Daemon::prometheus() const
{
    sched::DaemonCounters d;
    d.generation = generation_;
    d.attached = sched_ != nullptr;
    d.reloads = reloads_ok_;
    d.reloads_refused = reloads_refused_;
    d.ejections = ejections_;
    if (!sched_)
        return sched::format_prometheus(class_reports(), d, sched::read_sched_ext_events());
    auto ss = sched_->read_sched_stats();
    return sched::format_prometheus(class_reports(), d, sched::read_sched_ext_events(), &ss);
}

nlohmann::json Daemon::status_json() const
{
    auto st = sched::read_sched_ext_status();
    nlohmann::json j;
    j["ok"] = true;
    j["version"] = kVersion;
    j["pid"] = getpid();
    j["config"] = opt_.config;
    j["generation"] = generation_;
    j["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_).count();
    j["reloads"] = {{"ok", reloads_ok_}, {"refused", reloads_refused_}};
    j["scheduler"] = {{"wanted", live_->policy.scheduler.enabled},
                      {"available", !no_sched_ext_},
                      {"attached", sched_ != nullptr},
                      {"sched_ext_state", st.available ? st.state : "absent"},
                      {"sched_ext_ops", st.ops},
                      {"ejections", ejections_},
                      {"last_exit", last_exit_},
                      {"gave_up", gave_up_},
                      {"reattach_pending", reattach_at_.has_value()},
                      {"torn_reads", sched_ ? sched_->torn_reads() : 0},
                      {"grace_periods", sched_ ? sched_->grace_periods() : 0}};
    if (!last_reload_.trigger.empty()) {
        const auto& r = last_reload_;
        j["last_reload"] = {{"ok", r.ok},         {"trigger", r.trigger},         {"generation", r.generation},
                            {"error", r.error},   {"received_ns", r.received_ns}, {"applied_ns", r.applied_ns}};
    }
    j["classes"] = live_->compiled.class_names;
    j["online_cpus"] = policy::format_cpu_list(machine_.online_cpus);
    j["hotplug_events"] = hotplug_events_;
    j["notes"] = live_->compiled.notes;
    j["metrics"] = metrics_ ? "http://" + metrics_->endpoint().host + ":" +
                                  std::to_string(metrics_->endpoint().port) + "/metrics"
                            : "off";
    j["watching_config"] = watch_.has_value();
    j["memory"] = memory_.status_json();
    return j;
}

nlohmann::json Daemon::handle(const control::Request& req, const control::Peer& peer, uint64_t received_ns)
{
    using control::Command;
    using control::Format;
    switch (req.command) {
    case Command::Status:
        return status_json();
    case Command::Stats: {
        if (req.format == Format::Prometheus)
            return {{"ok", true}, {"text", prometheus()}};
        auto rows = class_reports();
        auto events = sched::read_sched_ext_events();
        std::optional<llm_sched_stats> ss;
        if (sched_)
            ss = sched_->read_sched_stats();
        const llm_sched_stats* ssp = ss ? &*ss : nullptr;
        if (req.format == Format::Table) {
            std::string text = "generation " + std::to_string(generation_) + ", llm_sched " +
                               (sched_ ? "attached" : "NOT attached") + "\n";
            text += sched::format_stats_table(rows, ssp) + "kernel sched_ext events (non-zero):";
            for (const auto& [name, v] : events)
                if (v)
                    text += " " + name + "=" + std::to_string(v);
            return {{"ok", true}, {"text", text + "\n"}};
        }
        auto j = sched::stats_json(rows, generation_, events, ssp);
        j["ok"] = true;
        j["attached"] = sched_ != nullptr;
        return j;
    }
    case Command::Reload: {
        auto r = reload("llm-schedctl reload by uid " + std::to_string(peer.uid), received_ns);
        nlohmann::json j{{"ok", r.ok},
                         {"generation", r.generation},
                         {"received_ns", r.received_ns},
                         {"applied_ns", r.applied_ns}};
        if (!r.ok)
            j["error"] = r.error;
        return j;
    }
    }
    return {{"ok", false}, {"error", "unhandled command"}};
}

void Daemon::serve_control()
{
    auto now = Clock::now();
    while (auto conn = control_->accept())
        control_pending_.add(std::move(conn->fd), conn->peer, now);
    control_pending_.service(now, [&](const control::Peer& peer, const std::optional<std::string>& line,
                                      const std::string& read_error) {
        std::string err = read_error;
        nlohmann::json reply;
        std::optional<control::Request> req;
        if (line)
            req = control::parse_request(*line, &err);
        if (!req) {
            reply = {{"ok", false}, {"error", err}};
        } else if (auto denied = control::authorize(*req, peer, control_gid_)) {
            spdlog::warn("control socket: refused {} from uid {} (pid {}): {}", control::to_string(req->command),
                         peer.uid, peer.pid, *denied);
            reply = {{"ok", false}, {"error", *denied}};
        } else {
            reply = handle(*req, peer, mono_ns());
        }
        return reply.dump() + "\n";
    });
}

void Daemon::log_stats() const
{
    if (!sched_)
        return;
    auto st = sched::read_sched_ext_status();
    auto ss = sched_->read_sched_stats();
    spdlog::info("sched_ext {}, ops {}, generation {}\n{}", st.state, st.ops, generation_,
                 sched::format_stats_table(class_reports(), &ss));
}

void Daemon::notify_status() const
{
    std::string sched_state = no_sched_ext_              ? "scheduler unavailable (no sched_ext); memory policy only"
                              : sched_                   ? "llm_sched attached"
                              : gave_up_                 ? "llm_sched given up after repeated ejections"
                              : reattach_at_             ? "llm_sched ejected, re-attach pending"
                              : live_->policy.scheduler.enabled ? "llm_sched not attached"
                                                                : "scheduler off by policy";
    std::string s = "READY=1\nSTATUS=generation " + std::to_string(generation_) + " live; " + sched_state;
    if (!last_reload_.ok && !last_reload_.trigger.empty())
        s += "; last reload refused";
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
        sooner(*file_changed_at_ + std::chrono::nanoseconds(live_->policy.daemon.reload_debounce_ns));
    if (reattach_at_)
        sooner(*reattach_at_);
    if (watchdog_every_.count() > 0)
        sooner(last_watchdog_ + watchdog_every_);
    sooner(last_memory_tick_ + memory_.tick_every());
    if (auto t = control_pending_.next_deadline())
        sooner(*t);
    if (metrics_)
        if (auto t = metrics_->pending().next_deadline())
            sooner(*t);
    if (opt_.stats_interval_s > 0)
        sooner(last_stats_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(opt_.stats_interval_s)));
    auto ms = std::chrono::ceil<std::chrono::milliseconds>(next - now).count();
    return static_cast<int>(std::max<decltype(ms)>(ms, 0));
}

int Daemon::run()
{
    started_ = Clock::now();
    auto text = read_policy_file(opt_.config, policy_trust());
    if (!text) {
        std::fprintf(stderr, "%s\n", text.error().c_str());
        return 1;
    }
    std::string report;
    live_ = load_policy_text(*text, opt_.config, machine_, 1, &report);
    if (!live_) {
        std::fputs(report.c_str(), stderr);
        return 1;
    }
    generation_ = 1;
    for (const auto& note : live_->compiled.notes)
        spdlog::warn("{}", note);

    auto status = sched::read_sched_ext_status();
    if (live_->policy.scheduler.enabled) {
        if (!status.available && live_->policy.memory.empty() && !live_->policy.has_class_cgroups()) {
            spdlog::error("this kernel has no sched_ext (/sys/kernel/sched_ext is missing; it needs "
                          "CONFIG_SCHED_CLASS_EXT=y, Linux 6.12+): cannot run llm_sched");
            return 1;
        }
        if (!status.available) {
            spdlog::warn("this kernel has no sched_ext (CONFIG_SCHED_CLASS_EXT, Linux 6.12+): the scheduler is "
                         "unavailable; applying the memory policy only");
            no_sched_ext_ = true;
        }
        if (status.state == "enabled" || status.state == "enabling") {
            spdlog::error("another sched_ext scheduler (\"{}\") is running; stop it first", status.ops);
            return 1;
        }
    }

    // Everything that can refuse to start does so before the scheduler attaches.
    std::string err;
    control_gid_ = group_id(live_->policy.daemon.control_group);
    control_ = control::ControlSocket::open(opt_.socket, control_gid_, &err);
    if (!control_) {
        spdlog::error("{}", err);
        return 1;
    }
    if (auto e = open_endpoints(live_->policy.daemon)) {
        spdlog::error("{}", *e);
        return 1;
    }

    if (auto e = memory_.adopt(live_->policy)) {
        spdlog::error("{}", *e);
        return 1;
    }
    if (auto e = memory_.apply(live_->policy, "start")) {
        spdlog::error("memory: {}; restoring what was changed", *e);
        memory_.restore(false);
        return 1;
    }

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

    if (live_->policy.scheduler.enabled && !no_sched_ext_) {
        if (auto e = start_scheduler()) {
            spdlog::error("{}", *e);
            memory_.restore(false);
            return 1;
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
                 live_->policy.daemon.control_group ? " (read-only for group " + *live_->policy.daemon.control_group + ")"
                                                    : " (root only)");
    notify_status();
    last_stats_ = last_watchdog_ = last_memory_tick_ = Clock::now();

    for (;;) {
        // Fixed slots first; then every connection still sending its request.
        std::vector<pollfd> pfd = {{sfd.get(), POLLIN, 0}, {control_->fd(), POLLIN, 0}, {-1, POLLIN, 0},
                                   {-1, POLLIN, 0}, {memory_.events_fd(), POLLIN, 0}};
        if (metrics_)
            pfd[2].fd = metrics_->fd();
        if (watch_)
            pfd[3].fd = watch_->fd();
        control_pending_.add_pollfds(pfd);
        if (metrics_)
            metrics_->pending().add_pollfds(pfd);
        poll(pfd.data(), pfd.size(), poll_timeout_ms());

        bool stop = false;
        signalfd_siginfo si{};
        while (read(sfd.get(), &si, sizeof(si)) == sizeof(si)) {
            if (si.ssi_signo == SIGHUP) {
                reload("SIGHUP", mono_ns());
            } else {
                spdlog::info("{} received: detaching", strsignal(static_cast<int>(si.ssi_signo)));
                stop = true;
            }
        }
        if (stop)
            break;
        // Cheap when idle: an accept and a read per waiting connection, both non-blocking.
        serve_control();
        if (metrics_)
            metrics_->serve([this] { return prometheus(); });
        if (watch_ && (pfd[3].revents & POLLIN) && watch_->drain())
            file_changed_at_ = Clock::now();
        if (pfd[4].fd >= 0 && (pfd[4].revents & POLLIN))
            memory_.on_events();
        reload_if_file_changed();
        if (sched_) {
            if (auto rec = sched_->exit_record())
                on_scheduler_exit(*rec);
            else if (sched_->hotplug_seq() != hotplug_seen_)
                on_cpu_hotplug();
        }
        maybe_reattach();
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
    sd_notify(0, "STOPPING=1\nSTATUS=stopping: detaching llm_sched");
    if (sched_) {
        sched_->detach();
        sched_.reset();
        spdlog::info("scheduler detached: sched_ext state {}", sched::read_sched_ext_status().state);
    }
    memory_.restore(!live_->policy.memory.restore_on_exit);
    control_.reset();
    return 0;
}

}  // namespace llm::service
