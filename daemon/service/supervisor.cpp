// SPDX-License-Identifier: GPL-2.0-only
#include "service/supervisor.h"

#include <spdlog/spdlog.h>

#include "policy/units.h"
#include "report/kernel_features.h"
#include "sched/sched_ext_sysfs.h"
#include "service/machine_probe.h"

namespace llm::service {

util::Status Supervisor::start(LivePolicy& live)
{
    const auto& s = live.policy().scheduler;
    auto sched = std::make_unique<sched::BpfScheduler>();
    sched::LoadOptions lo;
    lo.nr_cpus = machine_.nr_possible_cpus;
    lo.timeout_ms = static_cast<uint32_t>(s.watchdog_ns / 1'000'000);
    lo.fault_after_dispatches = s.test_fault_after_dispatches;
    if (auto st = sched->load(lo); !st)
        return st;
    machine_.online_cpus = probe_machine().online_cpus;
    sched->set_offline(machine_.online_cpus, machine_.nr_possible_cpus);
    if (auto st = sched->push(*live.compiled().table); !st)
        return st;
    if (auto st = sched->attach(); !st)
        return st;
    sched_ = std::move(sched);
    ++attaches_;
    hotplug_seen_ = 0;  // a fresh object counts from zero
    if (live.compiled().online_cpus != machine_.online_cpus)
        on_cpu_hotplug(live);  // CPUs came or went since the policy was compiled
    auto st = sched::read_sched_ext_status();
    spdlog::info("scheduler llm_sched attached: state {}, ops {}, generation {}, {} classes", st.state, st.ops,
                 live.generation, live.compiled().class_names.size());
    kernel_features_ = report::KernelFeatures{sched_->kernel_features()};
    spdlog::info("kernel sched_ext interface: {}", report::kfunc_generation(kernel_features_));
    for (const auto& d : report::degraded_features(kernel_features_))
        spdlog::warn("on this kernel: {}", d);
    return {};
}

void Supervisor::on_exit(const LivePolicy& live, const sched::ExitRecord& rec)
{
    ++ejections_;
    last_exit_ = rec.kind_name() + ": " + rec.reason + (rec.msg.empty() ? "" : ": " + rec.msg);
    spdlog::error("scheduler ejected by the kernel: {} (exit code {}): {}{}{}", rec.kind_name(), rec.code,
                  rec.reason, rec.msg.empty() ? "" : ": ", rec.msg);
    if (!rec.dump.empty())
        spdlog::error("the kernel's sched_ext state at the ejection:\n{}", rec.dump);
    sched_.reset();
    const auto& s = live.policy().scheduler;
    auto now = Clock::now();
    auto window = std::chrono::nanoseconds(s.reattach_window_ns);
    while (!reattaches_.empty() && now - reattaches_.front() > window)
        reattaches_.pop_front();
    if (reattaches_.size() >= s.max_reattach) {
        gave_up_ = true;
        spdlog::error("scheduler ejected {} times within {}s: running on without llm_sched (kernel default "
                      "scheduler) until the next reload",
                      reattaches_.size() + 1, s.reattach_window_ns / 1'000'000'000);
        return;
    }
    auto backoff = std::chrono::seconds(1) * (1 << std::min<size_t>(reattaches_.size(), 5));
    reattach_at_ = now + backoff;
    spdlog::warn("re-attaching in {}s (attempt {} of {} in this window)",
                 std::chrono::duration_cast<std::chrono::seconds>(backoff).count(), reattaches_.size() + 1,
                 s.max_reattach);
}

// The live policy, compiled again for the CPUs online now. Not a reload of
// the file: an edit waiting there (or a broken one) must not decide whether
// the queues of a CPU that left get served.
util::Status Supervisor::recompile(LivePolicy& live)
{
    if (!sched_)
        return util::error("llm_sched is not attached");
    auto compiled = policy::compile(live.policy(), machine_, resolve_cgroup, live.next_generation());
    live.last_issued = compiled.table->generation;  // even a failed push may have written a slot
    if (auto st = sched_->push(*compiled.table); !st)
        return st;
    live.generation = compiled.table->generation;
    live.loaded.compiled = std::move(compiled);
    return {};
}

void Supervisor::on_cpu_hotplug(LivePolicy& live)
{
    hotplug_seen_ = sched_->hotplug_seq();
    ++hotplug_events_;
    machine_ = probe_machine();
    machine_.online_cpus = sched_->online_cpus(machine_.online_cpus);
    if (auto st = recompile(live); !st) {
        spdlog::error("CPU hotplug: cannot push the tables for online CPUs {}: {}",
                      policy::format_cpu_list(machine_.online_cpus), st.error());
        return;
    }
    spdlog::warn("CPU hotplug: online CPUs now {}; generation {} live, compiled for them",
                 policy::format_cpu_list(machine_.online_cpus), live.generation);
    for (const auto& note : live.compiled().notes)
        spdlog::warn("{}", note);
}

bool Supervisor::poll(LivePolicy& live)
{
    bool changed = false;
    if (sched_) {
        if (auto rec = sched_->exit_record()) {
            on_exit(live, *rec);
            changed = true;
        } else if (sched_->hotplug_seq() != hotplug_seen_) {
            on_cpu_hotplug(live);
            changed = true;
        }
    }
    if (reattach_at_ && Clock::now() >= *reattach_at_) {
        reattach_at_.reset();
        reattaches_.push_back(Clock::now());
        if (auto st = start(live); !st) {
            spdlog::error("attach failed: {}", st.error());
            on_exit(live, sched::ExitRecord{1024, 0, "attach failed", st.error(), ""});
        }
        changed = true;
    }
    return changed;
}

void Supervisor::follow(const LivePolicy& live)
{
    const auto& s = live.policy().scheduler;
    if (!s.enabled && sched_) {
        detach();
        reattach_at_.reset();
        spdlog::info("scheduler detached: the policy disables it");
    } else if (s.enabled && !sched_ && !unavailable_ && (gave_up_ || !reattach_at_)) {
        gave_up_ = false;
        reattaches_.clear();
        reattach_at_ = Clock::now();
    }
}

void Supervisor::detach()
{
    if (!sched_)
        return;
    sched_->detach();
    sched_.reset();
}

util::Status Supervisor::push(const llm_policy& table)
{
    if (!sched_)
        return {};
    return sched_->push(table);
}

// Twice: the first push makes `table` live, the second overwrites the slot
// that still holds the refused table.
util::Status Supervisor::restore(const llm_policy& table)
{
    if (auto st = push(table); !st)
        return st;
    return push(table);
}

std::vector<sched::ClassReport> Supervisor::class_reports(const LivePolicy& live) const
{
    std::vector<sched::ClassReport> rows;
    if (!sched_)
        return rows;
    const auto& names = live.compiled().class_names;
    auto stats = sched_->read_stats(static_cast<uint32_t>(names.size()));
    for (size_t k = 0; k < stats.size(); ++k)
        rows.push_back({names[k], live.compiled().table->classes[k].priority, stats[k].total, stats[k].per_cpu});
    return rows;
}

nlohmann::json Supervisor::status_json(const LivePolicy& live) const
{
    auto st = sched::read_sched_ext_status();
    return {{"wanted", live.policy().scheduler.enabled},
            {"available", !unavailable_},
            {"attached", sched_ != nullptr},
            {"sched_ext_state", st.available ? st.state : "absent"},
            {"sched_ext_ops", st.ops},
            {"ejections", ejections_},
            {"last_exit", last_exit_},
            {"gave_up", gave_up_},
            {"reattach_pending", reattach_at_.has_value()},
            {"torn_reads", sched_ ? sched_->torn_reads() : 0},
            {"grace_periods", sched_ ? sched_->grace_periods() : 0},
            {"kernel", attaches_ ? report::to_json(kernel_features_) : nlohmann::json(nullptr)}};
}

std::string Supervisor::state_text(const LivePolicy& live) const
{
    return unavailable_                      ? "scheduler unavailable (no sched_ext); memory policy only"
           : sched_                          ? "llm_sched attached"
           : gave_up_                        ? "llm_sched given up after repeated ejections"
           : reattach_at_                    ? "llm_sched ejected, re-attach pending"
           : live.policy().scheduler.enabled ? "llm_sched not attached"
                                             : "scheduler off by policy";
}

util::Status Supervisor::set_mark(uint32_t kind, uint32_t id, uint32_t phase)
{
    return sched_ ? sched_->set_mark(kind, id, phase) : util::Status::success();
}

}  // namespace llm::service
