// SPDX-License-Identifier: GPL-2.0-only
#include "report/check_report.h"

#include <cstdio>
#include <set>

#include "plan/cgroup_plan.h"
#include "plan/hugetlbfs_plan.h"
#include "plan/knob_plan.h"
#include "policy/units.h"

namespace llm::report {
namespace {

std::set<unsigned> mask_set(const llm_cpumask& m)
{
    std::set<unsigned> out;
    for (unsigned c = 0; c < LLM_MAX_CPUS; ++c)
        if ((m.bits[c / 64] >> (c % 64)) & 1)
            out.insert(c);
    return out;
}

}  // namespace

using namespace policy;

std::string describe_plan(const Policy& p, const CompiledPolicy& compiled)
{
    const auto& t = *compiled.table;
    std::string s;
    auto us = [](uint64_t ns) { return std::to_string(ns / 1000) + "us"; };
    s += "scheduler: " + std::string(p.scheduler.enabled ? "enabled" : "disabled") +
         ", watchdog " + std::to_string(p.scheduler.watchdog_ns / 1'000'000) + "ms" +
         ", starvation guard " + std::to_string(t.starvation_ns / 1'000'000) + "ms (every " +
         us(t.guard.period_ns) + " on all CPUs: waiters queued " + us(t.guard.wait_ns) + " run for " +
         us(t.guard.slice_ns) + "; lower classes get " + std::to_string(p.scheduler.guard_share_pct) + "% = " +
         us(t.guard.share_ns) + " of each busy CPU)" +
         ", re-attach " + std::to_string(p.scheduler.max_reattach) + "x per " +
         std::to_string(p.scheduler.reattach_window_ns / 1'000'000'000) + "s\n";
    const auto& dm = p.daemon;
    s += "daemon: reload on file change " + std::string(dm.watch_config ? "on" : "off") + " (debounce " +
         std::to_string(dm.reload_debounce_ns / 1'000'000) + "ms), control socket root" +
         (dm.control_group ? " + group " + *dm.control_group + " (read-only)" : " only") + ", metrics " +
         (dm.metrics_listen ? "http://" + (dm.metrics_listen->host == "::1" ? "[::1]" : dm.metrics_listen->host) +
                                  ":" + std::to_string(dm.metrics_listen->port) + "/metrics"
                            : std::string("off")) +
         "\n";
    s += "classes (highest priority first):\n";
    for (uint32_t n = 0; n < t.nr_classes; ++n) {
        uint32_t i = t.prio_order[n];
        const auto& k = t.classes[i];
        s += "  " + compiled.class_names[i] + " (id " + std::to_string(i) + "): priority " + std::to_string(k.priority) +
             ", order " + to_string(p.classes[i].order) + ", slice ";
        if (k.slice_mode == LLM_SLICE_HISTORY) {
            char buf[96];
            std::snprintf(buf, sizeof(buf), "history %s..%s ewma %.2f scale %.2f", us(k.slice_min_ns).c_str(),
                          us(k.slice_max_ns).c_str(), k.ewma_q10 / 1024.0, k.scale_q10 / 1024.0);
            s += buf;
        } else {
            s += "fixed " + us(k.slice_ns);
        }
        s += "\n    cpus " + format_cpu_list(mask_set(k.cpus[LLM_PHASE_NONE]));
        if (k.flags & LLM_CLASS_HAS_PHASES)
            s += ", forward " + format_cpu_list(mask_set(k.cpus[LLM_PHASE_FORWARD])) + ", backward " +
                 format_cpu_list(mask_set(k.cpus[LLM_PHASE_BACKWARD])) +
                 (k.flags & LLM_CLASS_SOFT_PHASES ? " (soft: each lends the other its idle CPUs)" : " (strict)");
        if (const auto& r = p.classes[i].cpu_range) {
            char buf[200];
            std::snprintf(buf, sizeof(buf),
                          "\n    cpus follow utilisation: %u to %u CPUs, band %.2f-%.2f, dwell %llu ms; starting with "
                          "the %u above",
                          r->min, r->max, r->util_low, r->util_high,
                          static_cast<unsigned long long>(r->dwell_ns / 1'000'000), r->min);
            s += buf;
        }
        if (const auto& a = p.classes[i].auto_split) {
            char buf[160];
            std::snprintf(buf, sizeof(buf),
                          "\n    split auto: forward and backward resized from demand (start as above; dwell %llu ms, "
                          "band %.2f)",
                          static_cast<unsigned long long>(a->dwell_ns / 1'000'000), a->band);
            s += buf;
        }
        if (k.flags & LLM_CLASS_EXCLUSIVE)
            s += ", exclusive";
        for (uint32_t r = 0; r < k.nr_roles && r < LLM_MAX_PHASE_ROLES; ++r)
            s += std::string(r ? ", " : "\n    roles: ") + std::string(k.roles[r].comm, k.roles[r].comm_len) + "* " +
                 (k.roles[r].phase == LLM_PHASE_FORWARD ? "forward" : "backward");
        s += "\n";
    }
    const auto knobs = memory::plan(p.memory);
    std::set<uint64_t> limited_sizes;  // describe only the hugetlb sizes some class limits
    for (const auto& c : p.classes)
        if (c.memory)
            for (const auto& [kb, _] : c.memory->hugetlb)
                limited_sizes.insert(kb);
    const auto cgroups = memory::plan_cgroups(p, limited_sizes);
    if (knobs.empty() && p.memory.hugetlbfs.empty() && cgroups.empty()) {
        s += "memory: no changes\n";
    } else {
        s += "memory (recorded first, restored on stop: " + std::string(p.memory.restore_on_exit ? "yes" : "no") +
             "):\n";
        for (const auto& k : knobs)
            s += "  " + k.name + " = " + (k.wanted.empty() ? k.value : k.wanted) + (k.required ? " (required)" : "") +
                 "  [" + k.path + "]\n";
        for (const auto& mnt : p.memory.hugetlbfs)
            s += "  hugetlbfs " + mnt.path + " (" + memory::mount_options(mnt) + ")\n";
        for (const auto& cg : cgroups.classes) {
            s += "  cgroup " + cg.path + ":";
            for (const auto& f : cg.files)
                s += " " + f.name + "=" + f.value;
            s += "\n";
        }
        if (!cgroups.empty())
            s += "  controllers for " + cgroups.root + "'s children:" + [&] {
                std::string c;
                for (const auto& name : cgroups.controllers)
                    c += " " + name;
                return c;
            }() + "\n";
    }
    s += "match rules (first match wins):\n";
    for (uint32_t n = 0; n < t.nr_rules; ++n) {
        const auto& r = t.rules[n];
        std::string cond;
        auto add = [&](const std::string& c) { cond += (cond.empty() ? "" : " and ") + c; };
        if (r.flags & LLM_MATCH_ALL) add("any task");
        if (r.flags & LLM_MATCH_NEVER) add("nothing (cgroup missing)");
        if (r.flags & LLM_MATCH_CGROUP) add("cgroup id " + std::to_string(r.cgroup_id) + " level " + std::to_string(r.cgroup_level));
        if (r.flags & LLM_MATCH_COMM) add("comm " + std::string(r.comm) + "*");
        if (r.flags & LLM_MATCH_LEADER_COMM) add("leader comm " + std::string(r.leader_comm) + "*");
        if (r.flags & LLM_MATCH_PID) add("pid " + std::to_string(r.pid));
        if (r.flags & LLM_MATCH_TGID) add("tgid " + std::to_string(r.tgid));
        if (r.flags & LLM_MATCH_UID) add("uid " + std::to_string(r.uid));
        s += "  " + std::to_string(n) + ": " + cond + " -> " + compiled.class_names[r.class_id] + "\n";
    }
    for (const auto& set : compiled.cpu_sets)
        s += "cpus: " + set + "\n";
    for (const auto& note : compiled.notes)
        s += "note: " + note + "\n";
    return s;
}

}  // namespace llm::report
