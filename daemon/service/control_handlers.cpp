// SPDX-License-Identifier: GPL-2.0-only
#include "service/control_handlers.h"

#include <unistd.h>

#include "policy/units.h"
#include "report/drift.h"
#include "report/stats_prometheus.h"
#include "sched/sched_ext_sysfs.h"
#include "version.h"

namespace llm::service {

report::DriftReport drift_report(const DaemonView& d)
{
    auto readings = d.memory.observe();
    d.protector.expect_held(readings);
    if (d.live.policy().scheduler.enabled) {
        auto st = sched::read_sched_ext_status();
        readings.push_back({"scheduler", "sched_ext", "/sys/kernel/sched_ext/state", "enabled, ops llm_sched",
                            st.state + ", ops " + (st.ops.empty() ? "none" : st.ops), ""});
    }
    return report::compare(readings);
}

nlohmann::json status_json(const DaemonView& d)
{
    nlohmann::json j;
    j["ok"] = true;
    j["version"] = kVersion;
    j["pid"] = getpid();
    j["config"] = d.opt.config;
    j["generation"] = d.live.generation;
    j["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - d.started).count();
    j["reloads"] = {{"ok", d.reloads.ok}, {"refused", d.reloads.refused}, {"rollbacks_failed", d.reloads.rollbacks_failed}};
    j["scheduler"] = d.supervisor.status_json(d.live);
    if (!d.reloads.last.trigger.empty()) {
        const auto& r = d.reloads.last;
        j["last_reload"] = {{"ok", r.ok},
                            {"trigger", r.trigger},
                            {"generation", r.generation},
                            {"error", r.error},
                            {"rollback_errors", r.rollback_errors},
                            {"received_ns", r.received_ns},
                            {"applied_ns", r.applied_ns}};
    }
    // The last rollback that failed stays here after later reloads refuse or succeed.
    j["rollback_errors"] = d.reloads.last_rollback_errors;
    j["classes"] = d.live.compiled().class_names;
    j["online_cpus"] = policy::format_cpu_list(d.machine.online_cpus);
    j["hotplug_events"] = d.supervisor.hotplug_events();
    j["notes"] = d.live.compiled().notes;
    j["cpu_sets"] = d.live.compiled().cpu_sets;
    j["metrics"] = d.endpoints.metrics_url();
    j["watching_config"] = d.endpoints.watching();
    j["memory"] = d.memory.status_json();
    auto drift = drift_report(d);
    j["drift"] = {{"checked", drift.checked}, {"drifted", drift.drifted.size()}};
    j["phase_marks"] = d.phase_marks.status_json();
    j["phase_split"] = d.splitter.to_json();
    j["cpu_ranges"] = d.sizer.to_json();
    j["memory_protect"] = d.protector.to_json();
    return j;
}

namespace {

// What the adaptive controllers (auto split, CPU ranges, memory protect) add.
std::string adaptive_text(const DaemonView& d)
{
    return d.splitter.to_text() + d.sizer.to_text() + d.protector.to_text();
}

std::string adaptive_prometheus(const DaemonView& d)
{
    return d.splitter.prometheus() + d.sizer.prometheus() + d.protector.prometheus();
}

}  // namespace

std::string prometheus_text(const DaemonView& d)
{
    sched::DaemonCounters c;
    c.generation = d.live.generation;
    c.attached = d.supervisor.attached();
    c.reloads = d.reloads.ok;
    c.reloads_refused = d.reloads.refused;
    c.ejections = d.supervisor.ejections();
    auto drift = drift_report(d);
    c.settings_checked = drift.checked;
    c.settings_drifted = drift.drifted.size();
    auto rows = d.supervisor.class_reports(d.live);
    if (const auto* s = d.supervisor.scheduler()) {
        auto ss = s->read_sched_stats();
        return sched::format_prometheus(rows, c, sched::read_sched_ext_events(), &ss) + adaptive_prometheus(d);
    }
    return sched::format_prometheus(rows, c, sched::read_sched_ext_events()) + adaptive_prometheus(d);
}

std::string stats_log_text(const DaemonView& d)
{
    const auto* s = d.supervisor.scheduler();
    if (!s)
        return "";
    auto st = sched::read_sched_ext_status();
    auto ss = s->read_sched_stats();
    return "sched_ext " + st.state + ", ops " + st.ops + ", generation " + std::to_string(d.live.generation) + "\n" +
           sched::format_stats_table(d.supervisor.class_reports(d.live), &ss) + adaptive_text(d);
}

namespace {

nlohmann::json stats_reply(const DaemonView& d, control::Format format)
{
    if (format == control::Format::Prometheus)
        return {{"ok", true}, {"text", prometheus_text(d)}};
    auto rows = d.supervisor.class_reports(d.live);
    auto events = sched::read_sched_ext_events();
    std::optional<llm_sched_stats> ss;
    if (const auto* s = d.supervisor.scheduler())
        ss = s->read_sched_stats();
    const llm_sched_stats* ssp = ss ? &*ss : nullptr;
    if (format == control::Format::Table) {
        std::string text = "generation " + std::to_string(d.live.generation) + ", llm_sched " +
                           (d.supervisor.attached() ? "attached" : "NOT attached") + "\n";
        text += sched::format_stats_table(rows, ssp) + adaptive_text(d) + "kernel sched_ext events (non-zero):";
        for (const auto& [name, v] : events)
            if (v)
                text += " " + name + "=" + std::to_string(v);
        return {{"ok", true}, {"text", text + "\n"}};
    }
    auto j = sched::stats_json(rows, d.live.generation, events, ssp);
    j["ok"] = true;
    j["attached"] = d.supervisor.attached();
    j["phase_split"] = d.splitter.to_json();
    j["cpu_ranges"] = d.sizer.to_json();
    j["memory_protect"] = d.protector.to_json();
    return j;
}

}  // namespace

nlohmann::json handle_request(const control::Request& req, const control::Peer& peer, uint64_t received_ns,
                              const DaemonView& d, const ReloadFn& reload)
{
    using control::Command;
    switch (req.command) {
    case Command::Status:
        return status_json(d);
    case Command::Stats:
        return stats_reply(d, req.format);
    case Command::Verify: {
        auto rep = drift_report(d);
        auto j = report::to_json(rep);
        j["ok"] = true;
        j["text"] = report::to_text(rep);
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
        if (!r.rollback_errors.empty())
            j["rollback_errors"] = r.rollback_errors;
        return j;
    }
    }
    return {{"ok", false}, {"error", "unhandled command"}};
}

}  // namespace llm::service
