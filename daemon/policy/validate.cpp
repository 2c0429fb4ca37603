// SPDX-License-Identifier: GPL-2.0-only
#include "policy/validate.h"

#include "policy/cpu_spec.h"

#include <algorithm>
#include <map>

#include "policy/path_rules.h"
#include "policy/units.h"

namespace llm::policy {
namespace {

bool c_plural(const std::set<unsigned>& s) { return s.size() > 1; }

// CPUs past the possible range are an error. Possible but offline ones are
// not: a CPU can go offline and back while the daemon runs, and the policy
// must still load; the compiler leaves them out and says so (compiler.cpp).
void check_cpus(const std::optional<std::set<unsigned>>& cpus, const std::string& path, const Machine& m,
                Diagnostics& d)
{
    if (!cpus)
        return;
    std::set<unsigned> missing;
    for (unsigned c : *cpus)
        if (c >= m.nr_possible_cpus)
            missing.insert(c);
    if (!missing.empty())
        d.error(path, (c_plural(missing) ? "CPUs " : "CPU ") + format_cpu_list(missing) +
                          (c_plural(missing) ? " do not exist" : " does not exist") + " on this machine",
                "online CPUs here are " + format_cpu_list(m.online_cpus));
}

std::string page_sizes(const std::set<uint64_t>& kbs)
{
    std::string have;
    for (auto kb : kbs)
        have += (have.empty() ? "" : ", ") + format_size(kb * 1024);
    return have.empty() ? std::string("none") : have;
}

void check_page_size(uint64_t kb, const std::string& path, const Machine& m, Diagnostics& d)
{
    if (!m.hugepage_kb.count(kb))
        d.error(path, "this machine has no " + format_size(kb * 1024) + " huge pages",
                "sizes here: " + page_sizes(m.hugepage_kb));
}

void check_nodes(const std::set<unsigned>& nodes, const std::string& path, const Machine& m, Diagnostics& d)
{
    for (unsigned n : nodes)
        if (!m.numa_nodes.count(n)) {
            d.error(path, "NUMA node " + std::to_string(n) + " does not exist or is offline",
                    "online nodes here are " + format_cpu_list(m.numa_nodes));
            return;
        }
}

// A protecting class needs lower classes with a cgroup to act on, and its
// floor must leave each of them a memory.high at or under its own limits.
void check_protect(const Policy& p, size_t i, const std::string& path, Diagnostics& d)
{
    const auto& c = p.classes[i];
    const auto& pr = *c.memory->protect;
    bool any = false;
    for (const auto& lower : p.classes) {
        if (lower.priority >= c.priority || !lower.memory)
            continue;
        any = true;
        for (auto [key, limit] : {std::pair{"high", lower.memory->high}, std::pair{"max", lower.memory->max}})
            if (limit && *limit != UINT64_MAX && pr.floor > *limit)
                d.error(path + "/floor",
                        "floor " + format_size(pr.floor) + " is above memory." + key + " " + format_size(*limit) +
                            " of lower class " + lower.name + ", so it could never hold",
                        "give a floor at or below " + format_size(*limit) + ", or raise " + lower.name + "'s " + key);
    }
    if (!any)
        d.error(path, "class " + c.name + " protects its memory, but no class of lower priority has a memory section",
                "give the classes it should squeeze a \"memory\" section (their own cgroup), or remove protect");
}

void check_memory(const Policy& p, const Machine& m, Diagnostics& d)
{
    for (const auto& [kb, _] : p.memory.mthp)
        if (!m.mthp_kb.count(kb))
            d.error("/memory/thp/sizes/" + format_size(kb * 1024),
                    "this kernel has no per-size THP control for " + format_size(kb * 1024) + " pages",
                    m.mthp_kb.empty() ? "per-size THP needs Linux 6.8 or later; remove \"sizes\""
                                      : "sizes here: " + page_sizes(m.mthp_kb));
    const auto& root = p.memory.cgroup_root;
    if (auto s = cgroup_path_ours(root); !s)
        d.error("/memory/cgroup_root", "\"" + root + "\" " + s.error(),
                "use a cgroup of the daemon's own, such as \"/llm.slice\"");
    std::set<std::string> seen;
    for (size_t i = 0; i < p.memory.hugetlbfs.size(); ++i) {
        const auto& mnt = p.memory.hugetlbfs[i];
        auto path = "/memory/hugetlbfs/" + std::to_string(i);
        if (auto s = mount_path_allowed(mnt.path); !s) {
            // "is X; fix" -> what and how to fix it, as every diagnostic has them.
            auto text = s.error();
            auto semi = text.find("; ");
            d.error(path + "/path", "\"" + mnt.path + "\" " + text.substr(0, semi),
                    semi == std::string::npos ? "mount huge pages at a directory of their own, such as \"/dev/hugepages-llm\""
                                              : text.substr(semi + 2));
        }
        if (!seen.insert(mnt.path).second)
            d.error(path + "/path", "\"" + mnt.path + "\" is mounted twice", "keep one entry per path");
        check_page_size(mnt.page_kb, path + "/page_size", m, d);
        uint64_t page = mnt.page_kb * 1024;
        if (mnt.size && *mnt.size < page)
            d.error(path + "/size", "size is below one " + format_size(page) + " page", "give at least \"" + format_size(page) + "\"");
        if (mnt.size && mnt.min_size && *mnt.min_size > *mnt.size)
            d.error(path + "/min_size", "min_size is above size", "make min_size <= size");
    }
    for (size_t i = 0; i < p.classes.size(); ++i) {
        const auto& c = p.classes[i];
        if (!c.memory)
            continue;
        auto path = "/classes/" + std::to_string(i) + "/memory";
        for (const auto& rule : c.match)
            if (rule.catch_all)
                d.error(path, "class " + c.name + " catches every task, so its cgroup would take every process of the host",
                        "give memory limits only to classes with specific rules; limit the rest through systemd");
        for (const auto& [kb, _] : c.memory->hugetlb)
            check_page_size(kb, path + "/hugetlb/" + format_size(kb * 1024), m, d);
        if (c.memory->mems)
            check_nodes(*c.memory->mems, path + "/mems", m, d);
        if (c.memory->protect)
            check_protect(p, i, path + "/protect", d);
    }
}

}  // namespace

bool validate(const Policy& p, const Machine& m, Diagnostics& d)
{
    std::map<std::string, size_t> names;
    std::optional<size_t> catch_all;
    size_t nr_rules = 0;
    // CPU -> (class index, path) of the exclusive class that owns it.
    std::map<unsigned, std::pair<size_t, std::string>> exclusive_owner;

    for (size_t i = 0; i < p.classes.size(); ++i) {
        const auto& c = p.classes[i];
        auto path = "/classes/" + std::to_string(i);
        if (auto [it, fresh] = names.emplace(c.name, i); !fresh)
            d.error(path + "/name", "class name \"" + c.name + "\" is already used by /classes/" + std::to_string(it->second),
                    "give every class its own name");
        if (catch_all)
            d.error(path, "class \"" + c.name + "\" can never match: /classes/" + std::to_string(*catch_all) +
                              " before it catches every task",
                    "move the catch-all class to the end");
        for (const auto& r : c.match)
            if (r.catch_all && !catch_all)
                catch_all = i;
        nr_rules += c.match.size();

        check_cpus(c.cpus, path + "/cpus", m, d);
        check_cpus(c.forward, path + "/phases/forward", m, d);
        check_cpus(c.backward, path + "/phases/backward", m, d);
        if (c.forward && c.backward) {
            std::set<unsigned> both;
            std::set_intersection(c.forward->begin(), c.forward->end(), c.backward->begin(), c.backward->end(),
                                  std::inserter(both, both.begin()));
            if (!both.empty())
                d.error(path + "/phases/backward", "CPU " + format_cpu_list(both) + " is in both phase sets",
                        "forward and backward threads are held on separate cores: make the lists disjoint");
        }
        if (c.cpu_range) {
            if (c.forward || c.backward)
                d.error(path + "/phases", "a class whose CPUs follow utilisation has no phase sets (yet)",
                        "give the class a fixed \"cpus\" list for its phases, or drop \"phases\"");
            auto pool = range_pool(p, i, m);
            if (c.cpu_range->min > pool.size())
                d.error(path + "/cpus/min",
                        "min " + std::to_string(c.cpu_range->min) + " is more than the " +
                            std::to_string(pool.size()) + " online CPUs no other exclusive class owns",
                        "lower min to " + std::to_string(pool.size()) + " or less");
        }
        if (c.auto_split && c.forward && c.backward && c.forward->size() + c.backward->size() < 2)
            d.error(path + "/phases/split", "an auto split needs at least 2 CPUs between forward and backward",
                    "give the class (or its phase lists) 2 or more CPUs, or drop \"split\": \"auto\"");
        if (c.cpus_exclusive) {
            std::set<unsigned> own;
            for (const auto* s : {&c.cpus, &c.forward, &c.backward})
                if (*s)
                    own.insert((*s)->begin(), (*s)->end());
            for (unsigned cpu : own) {
                auto [it, fresh] = exclusive_owner.emplace(cpu, std::make_pair(i, path));
                if (!fresh && it->second.first != i) {
                    d.error(path + "/cpus_exclusive",
                            "CPU " + std::to_string(cpu) + " is also exclusive to " + it->second.second + " (\"" +
                                p.classes[it->second.first].name + "\")",
                            "exclusive classes need disjoint CPU sets");
                    break;
                }
            }
        }
        if (c.slice.mode == SliceMode::History && c.slice.min_ns > c.slice.max_ns)
            d.error(path + "/slice", "min_us is above max_us", "make min_us <= max_us");
    }
    if (!catch_all)
        d.error("/classes", "no class catches the remaining tasks",
                "end the list with { \"name\": \"background\", \"match\": [ { \"default\": true } ] }");
    if (nr_rules > 64)
        d.error("/classes", "too many match rules (" + std::to_string(nr_rules) + ")", "use at most 64 rules in all");
    for (size_t i = 0; i < p.memory.hugetlb.size(); ++i) {
        const auto& pool = p.memory.hugetlb[i];
        auto path = "/memory/hugetlb/" + std::to_string(i);
        check_page_size(pool.page_kb, path + "/page_size", m, d);
        if (pool.node && !m.numa_nodes.count(*pool.node))
            d.error(path + "/node", "NUMA node " + std::to_string(*pool.node) + " does not exist or is offline",
                    "online nodes here are " + format_cpu_list(m.numa_nodes) + "; leave node out for a system-wide pool");
    }
    check_memory(p, m, d);
    if (m.nr_possible_cpus > 256)
        d.error("/", "this machine has " + std::to_string(m.nr_possible_cpus) + " possible CPUs",
                "llm_sched supports up to 256 CPUs");
    return d.ok();
}

bool resolve_and_validate(Policy& p, const Machine& m, Diagnostics& diags)
{
    resolve_relative_cpus(p, m, diags);
    return validate(p, m, diags);
}

}  // namespace llm::policy
