// SPDX-License-Identifier: GPL-2.0-only
#include "policy/compiler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "policy/guard_timing.h"
#include "policy/units.h"
#include "policy/vocabulary.h"

namespace llm::policy {
namespace {

void set_mask(llm_cpumask& m, const std::set<unsigned>& cpus)
{
    std::memset(&m, 0, sizeof(m));
    for (unsigned c : cpus)
        if (c < LLM_MAX_CPUS)
            m.bits[c / 64] |= 1ULL << (c % 64);
}

uint32_t q10(double x) { return static_cast<uint32_t>(std::lround(x * 1024.0)); }

void copy_prefix(char (&dst)[LLM_COMM_LEN], uint32_t& len, const std::string& s)
{
    std::memset(dst, 0, sizeof(dst));
    len = static_cast<uint32_t>(std::min<size_t>(s.size(), LLM_COMM_LEN - 1));
    std::memcpy(dst, s.data(), len);
}

// The online CPUs of `want`. Offline ones are noted; with none online the
// `fallback` set is used (and noted), so tasks of that queue still run.
std::set<unsigned> online_part(const std::set<unsigned>& want, const Machine& m, const std::string& what,
                               const std::set<unsigned>& fallback, const std::string& fallback_name,
                               std::vector<std::string>& notes)
{
    std::set<unsigned> on, off;
    for (unsigned c : want)
        (m.online_cpus.count(c) ? on : off).insert(c);
    if (off.empty())
        return on;
    if (on.empty()) {
        notes.push_back(what + ": CPUs " + format_cpu_list(off) + " are all offline; using " + fallback_name + " (" +
                        format_cpu_list(fallback) + ") until one is back");
        return fallback;
    }
    notes.push_back(what + ": CPUs " + format_cpu_list(off) + " offline; running on " + format_cpu_list(on) +
                    " until they are back");
    return on;
}

}  // namespace

CompiledPolicy compile(const Policy& p, const Machine& m, const CgroupResolver& resolve, uint64_t generation)
{
    auto t = std::make_shared<llm_policy>();
    std::memset(t.get(), 0, sizeof(*t));
    CompiledPolicy out;
    out.online_cpus = m.online_cpus;
    t->generation = generation;
    t->starvation_ns = p.scheduler.starvation_ns;
    const auto g = guard_timing(p.scheduler.starvation_ns, p.scheduler.guard_share_pct);
    t->guard = {g.period_ns, g.wait_ns, g.slice_ns, g.share_ns};
    t->nr_classes = static_cast<uint32_t>(p.classes.size());
    t->nr_cpus = m.nr_possible_cpus;
    std::fill(std::begin(t->cpu_owner), std::end(t->cpu_owner), -1);

    std::vector<uint32_t> order(p.classes.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return p.classes[a].priority > p.classes[b].priority; });
    std::copy(order.begin(), order.end(), t->prio_order);

    for (uint32_t i = 0; i < p.classes.size(); ++i) {
        const auto& c = p.classes[i];
        auto& k = t->classes[i];
        out.class_names.push_back(c.name);
        std::snprintf(t->class_names[i], LLM_CLASS_NAME_LEN, "%s", c.name.c_str());
        k.priority = c.priority;
        k.order = c.order == Order::Fifo ? LLM_ORDER_FIFO : c.order == Order::RoundRobin ? LLM_ORDER_RR : LLM_ORDER_FAIR;
        k.slice_mode = c.slice.mode == SliceMode::History ? LLM_SLICE_HISTORY : LLM_SLICE_FIXED;
        k.slice_ns = c.slice.mode == SliceMode::History ? c.slice.max_ns : c.slice.fixed_ns;
        k.slice_min_ns = c.slice.mode == SliceMode::History ? c.slice.min_ns : c.slice.fixed_ns;
        k.slice_max_ns = c.slice.mode == SliceMode::History ? c.slice.max_ns : c.slice.fixed_ns;
        k.ewma_q10 = q10(c.slice.ewma);
        k.scale_q10 = q10(c.slice.scale);
        if (c.cpus_exclusive)
            k.flags |= LLM_CLASS_EXCLUSIVE;
        for (const auto& [key, text] : c.cpu_text) {
            const auto& set = key == "cpus" ? c.cpus : key == "forward" ? c.forward : c.backward;
            if (set)
                out.cpu_sets.push_back("class " + c.name + " " + key + " \"" + text + "\" is CPUs " +
                                       format_cpu_list(*set) + " on this machine");
        }
        // Offline CPUs are left out; a set left with none falls back to the
        // class's CPUs, or to every online CPU, so no queue is left unserved.
        auto def = online_part(c.cpus.value_or(m.online_cpus), m, "class " + c.name + " cpus", m.online_cpus,
                               "every online CPU", out.notes);
        set_mask(k.cpus[LLM_PHASE_NONE], def);
        if (p.has_phases(c)) {
            k.flags |= LLM_CLASS_HAS_PHASES;
            if (!c.strict_phases)
                k.flags |= LLM_CLASS_SOFT_PHASES;
            // Phase sets are not cut down to the class's cpus: say what that means.
            if (c.cpus)
                for (const auto& [set, name] : {std::pair{&c.forward, "forward"}, std::pair{&c.backward, "backward"}}) {
                    std::set<unsigned> outside;
                    if (*set)
                        for (unsigned cpu : **set)
                            if (!c.cpus->count(cpu))
                                outside.insert(cpu);
                    if (!outside.empty())
                        out.notes.push_back(
                            "class " + c.name + ": " + name + (outside.size() == 1 ? " CPU " : " CPUs ") +
                            format_cpu_list(outside) + (outside.size() == 1 ? " is" : " are") + " outside its cpus " +
                            format_cpu_list(*c.cpus) + ": threads marked " + name + " run on the " + name +
                            " set, unmarked ones on cpus" +
                            (c.cpus_exclusive ? ", and the class owns both exclusively" : ""));
                }
            set_mask(k.cpus[LLM_PHASE_FORWARD], online_part(c.forward.value_or(def), m, "class " + c.name + " forward",
                                                            def, "the class's CPUs", out.notes));
            set_mask(k.cpus[LLM_PHASE_BACKWARD], online_part(c.backward.value_or(def), m,
                                                             "class " + c.name + " backward", def,
                                                             "the class's CPUs", out.notes));
            for (const auto& role : c.roles) {
                if (k.nr_roles >= LLM_MAX_PHASE_ROLES)
                    break;
                auto& kr = k.roles[k.nr_roles++];
                kr.phase = role.phase;
                kr.comm_len = static_cast<uint32_t>(std::min<size_t>(role.comm_prefix.size(), LLM_COMM_LEN - 1));
                std::memcpy(kr.comm, role.comm_prefix.data(), kr.comm_len);
            }
        } else {
            k.cpus[LLM_PHASE_FORWARD] = k.cpus[LLM_PHASE_NONE];
            k.cpus[LLM_PHASE_BACKWARD] = k.cpus[LLM_PHASE_NONE];
        }
        for (unsigned w = 0; w < LLM_CPU_WORDS; ++w)
            k.cpus[LLM_PHASE_ANY].bits[w] =
                k.cpus[0].bits[w] | k.cpus[1].bits[w] | k.cpus[2].bits[w];
        if (c.match.size() == 1 && c.match[0].catch_all)
            t->default_class = i;
    }
    // A CPU's owner is the highest-priority class that names it explicitly.
    for (uint32_t i : order) {
        const auto& c = p.classes[i];
        std::set<unsigned> own;
        for (const auto* s : {&c.cpus, &c.forward, &c.backward})
            if (*s)
                own.insert((*s)->begin(), (*s)->end());
        for (unsigned cpu : own)
            if (cpu < LLM_MAX_CPUS && t->cpu_owner[cpu] < 0)
                t->cpu_owner[cpu] = static_cast<int32_t>(i);
    }
    for (const auto& pool : p.memory.hugetlb) {
        uint64_t cap = pool_cap_pages(pool.page_kb, m.mem_total_bytes);
        if (m.mem_total_bytes && pool.pages > cap)
            out.notes.push_back("hugetlb pool of " + std::to_string(pool.pages) + " x " +
                                format_size(pool.page_kb * 1024) + " does not fit in " +
                                format_size(m.mem_total_bytes) + " of RAM: it is capped at " + std::to_string(cap) +
                                " pages, leaving the system room, and the shortfall is reported" +
                                (pool.required ? " (required: the policy will be refused)" : ""));
    }
    // Rules in file order: first match wins.
    uint32_t nr = 0;
    for (uint32_t i = 0; i < p.classes.size(); ++i) {
        for (const auto& rule : p.classes[i].match) {
            if (nr >= LLM_MAX_RULES)
                break;
            auto& r = t->rules[nr++];
            r.class_id = i;
            if (rule.catch_all) {
                r.flags |= LLM_MATCH_ALL;
                t->default_class = i;
                continue;
            }
            if (rule.cgroup_prefix) {
                auto ref = resolve ? resolve(*rule.cgroup_prefix) : std::nullopt;
                if (ref) {
                    r.flags |= LLM_MATCH_CGROUP;
                    r.cgroup_id = ref->id;
                    r.cgroup_level = ref->level;
                } else {
                    r.flags |= LLM_MATCH_NEVER;
                    out.unresolved_cgroups.push_back(*rule.cgroup_prefix);
                    out.notes.push_back("class " + p.classes[i].name + ": cgroup " + *rule.cgroup_prefix +
                                        " does not exist yet; its rule matches nothing until a reload");
                }
            }
            if (rule.comm_prefix) {
                r.flags |= LLM_MATCH_COMM;
                copy_prefix(r.comm, r.comm_len, *rule.comm_prefix);
            }
            if (rule.leader_comm_prefix) {
                r.flags |= LLM_MATCH_LEADER_COMM;
                copy_prefix(r.leader_comm, r.leader_comm_len, *rule.leader_comm_prefix);
            }
            if (rule.pid) {
                r.flags |= LLM_MATCH_PID;
                r.pid = *rule.pid;
            }
            if (rule.tgid) {
                r.flags |= LLM_MATCH_TGID;
                r.tgid = *rule.tgid;
            }
            if (rule.uid) {
                r.flags |= LLM_MATCH_UID;
                r.uid = *rule.uid;
            }
        }
    }
    t->nr_rules = nr;
    t->generation_tail = t->generation;
    out.table = std::move(t);
    return out;
}

}  // namespace llm::policy
