// SPDX-License-Identifier: GPL-2.0-only
#include "report/stats_prometheus.h"

#include <cstdio>

namespace llm::sched {

std::string prometheus_label(const std::string& v)
{
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"')
            out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

namespace {

std::string label(const std::string& v) { return prometheus_label(v); }

std::string seconds(uint64_t ns)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.12g", static_cast<double>(ns) / 1e9);
    return buf;
}

class Writer {
public:
    void family(const char* name, const char* type, const char* help)
    {
        out_ += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    }
    void sample(const std::string& name, const std::string& labels, const std::string& value)
    {
        out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
    }
    void sample(const std::string& name, const std::string& labels, unsigned long long value)
    {
        sample(name, labels, std::to_string(value));
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

}  // namespace

std::string format_prometheus(const std::vector<ClassReport>& classes, const DaemonCounters& daemon,
                              const std::map<std::string, unsigned long long>& kernel_events,
                              const llm_sched_stats* sched)
{
    Writer w;
    w.family("llm_schedd_policy_generation", "gauge", "Generation of the live policy.");
    w.sample("llm_schedd_policy_generation", "", daemon.generation);
    w.family("llm_schedd_scheduler_attached", "gauge", "1 while llm_sched is the attached sched_ext scheduler.");
    w.sample("llm_schedd_scheduler_attached", "", daemon.attached ? 1ULL : 0ULL);
    w.family("llm_schedd_reloads_total", "counter", "Policy reloads by result.");
    w.sample("llm_schedd_reloads_total", "result=\"ok\"", daemon.reloads);
    w.sample("llm_schedd_reloads_total", "result=\"refused\"", daemon.reloads_refused);
    w.family("llm_schedd_ejections_total", "counter", "Times the kernel ejected llm_sched.");
    w.sample("llm_schedd_ejections_total", "", daemon.ejections);
    w.family("llm_schedd_settings_drifted", "gauge",
             "Settings of the live policy that the host no longer holds (llm-schedctl verify names them).");
    w.sample("llm_schedd_settings_drifted", "", daemon.settings_drifted);
    w.family("llm_schedd_settings_checked", "gauge", "Settings of the live policy that verify reads.");
    w.sample("llm_schedd_settings_checked", "", daemon.settings_checked);

    struct Counter {
        const char* name;
        const char* help;
        __u64 llm_class_stats::*field;
    };
    static const Counter counters[] = {
        {"llm_schedd_class_enqueues_total", "Tasks queued, by class.", &llm_class_stats::enqueues},
        {"llm_schedd_class_dispatches_total", "Tasks dispatched to a CPU, by class.", &llm_class_stats::dispatches},
        {"llm_schedd_class_preemptions_total", "Lower-class tasks preempted for this class.", &llm_class_stats::preemptions},
        {"llm_schedd_class_starvation_rescues_total", "Overdue waiters run by the starvation guard.",
         &llm_class_stats::starvation_rescues},
        {"llm_schedd_class_guard_share_runs_total", "Runs given to the class from the lower classes' share.",
         &llm_class_stats::guard_share_runs},
        {"llm_schedd_class_phase_migrations_total", "Placements on another CPU set because the phase changed.",
         &llm_class_stats::phase_migrations},
        {"llm_schedd_class_phase_borrows_total", "Runs on the class's other phase's CPUs (soft phase sets).",
         &llm_class_stats::phase_borrows},
        {"llm_schedd_class_affinity_fallbacks_total", "Enqueues whose own affinity missed the phase set.",
         &llm_class_stats::affinity_fallbacks},
    };
    for (const auto& c : counters) {
        w.family(c.name, "counter", c.help);
        for (const auto& r : classes)
            w.sample(c.name, "class=\"" + label(r.name) + "\"", r.total.*c.field);
    }
    w.family("llm_schedd_class_runtime_seconds_total", "counter", "CPU time used, by class and CPU.");
    for (const auto& r : classes)
        for (size_t cpu = 0; cpu < r.per_cpu.size(); ++cpu)
            if (r.per_cpu[cpu].runtime_ns)
                w.sample("llm_schedd_class_runtime_seconds_total",
                         "class=\"" + label(r.name) + "\",cpu=\"" + std::to_string(cpu) + "\"",
                         seconds(r.per_cpu[cpu].runtime_ns));

    // Bucket b of the BPF histogram holds waits in [2^b, 2^(b+1)) ns; the
    // last one also takes everything longer, so it only feeds +Inf.
    w.family("llm_schedd_class_wait_seconds", "histogram", "Runnable-to-running wait, by class.");
    for (const auto& r : classes) {
        const std::string cls = "class=\"" + label(r.name) + "\"";
        unsigned long long cumulative = 0;
        for (int b = 0; b < LLM_LAT_BUCKETS - 1; ++b) {
            cumulative += r.total.lat_hist[b];
            w.sample("llm_schedd_class_wait_seconds_bucket", cls + ",le=\"" + seconds(1ULL << (b + 1)) + "\"",
                     cumulative);
        }
        cumulative += r.total.lat_hist[LLM_LAT_BUCKETS - 1];
        w.sample("llm_schedd_class_wait_seconds_bucket", cls + ",le=\"+Inf\"", cumulative);
        w.sample("llm_schedd_class_wait_seconds_sum", cls, seconds(r.total.wait_ns));
        w.sample("llm_schedd_class_wait_seconds_count", cls, cumulative);
    }

    if (sched) {
        struct SchedCounter {
            const char* name;
            const char* help;
            __u64 llm_sched_stats::*field;
        };
        static const SchedCounter sched_counters[] = {
            {"llm_schedd_guard_windows_total", "Starvation-guard windows entered, summed over CPUs.",
             &llm_sched_stats::guard_windows},
            {"llm_schedd_guard_cuts_total", "Running slices cut at a window start for the guard.",
             &llm_sched_stats::guard_cuts},
            {"llm_schedd_guard_timer_ends_total", "Guard runs ended by their slice timer.",
             &llm_sched_stats::slice_timer_kicks},
            {"llm_schedd_cpu_releases_total", "Times an RT, deadline or stop task took a CPU from llm_sched.",
             &llm_sched_stats::cpu_releases},
            {"llm_schedd_reenqueued_total", "Waiters moved off a CPU that such a task took.",
             &llm_sched_stats::reenqueued},
            {"llm_schedd_phase_marks_dropped_total", "Process phase marks not kept: the scheduler's map was full.",
             &llm_sched_stats::marks_dropped},
            {"llm_schedd_kthread_runs_total", "Kernel-thread runs (kernel threads have no class).",
             &llm_sched_stats::kthread_runs},
        };
        for (const auto& c : sched_counters) {
            w.family(c.name, "counter", c.help);
            w.sample(c.name, "", sched->*c.field);
        }
        w.family("llm_schedd_kthread_runtime_seconds_total", "counter", "CPU time used by kernel threads.");
        w.sample("llm_schedd_kthread_runtime_seconds_total", "", seconds(sched->kthread_runtime_ns));
        w.family("llm_schedd_kthread_wait_max_seconds", "gauge", "Longest runnable-to-running wait of a kernel thread.");
        w.sample("llm_schedd_kthread_wait_max_seconds", "", seconds(sched->kthread_wait_max_ns));
    }

    w.family("llm_schedd_kernel_sched_ext_events_total", "counter",
             "The kernel's own sched_ext event counters (/sys/kernel/sched_ext/root/events).");
    for (const auto& [name, v] : kernel_events)
        w.sample("llm_schedd_kernel_sched_ext_events_total", "event=\"" + label(name) + "\"", v);
    return w.take();
}

}  // namespace llm::sched
