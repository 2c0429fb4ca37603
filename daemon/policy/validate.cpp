#include "policy/validate.h"

#include <algorithm>
#include <map>

#include "policy/units.h"

namespace llm::policy {
namespace {

bool c_plural(const std::set<unsigned>& s) { return s.size() > 1; }

void check_cpus(const std::optional<std::set<unsigned>>& cpus, const std::string& path, const Machine& m,
                Diagnostics& d)
{
    if (!cpus)
        return;
    std::set<unsigned> missing;
    for (unsigned c : *cpus)
        if (!m.online_cpus.count(c))
            missing.insert(c);
    if (!missing.empty())
        d.error(path, (c_plural(missing) ? "CPUs " : "CPU ") + format_cpu_list(missing) +
                          (c_plural(missing) ? " do not exist or are offline" : " does not exist or is offline") +
                          " on this machine",
                "online CPUs here are " + format_cpu_list(m.online_cpus));
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
        if (!m.hugepage_kb.count(pool.page_kb)) {
            std::string have;
            for (auto kb : m.hugepage_kb)
                have += (have.empty() ? "" : ", ") + format_size(kb * 1024);
            d.error(path + "/page_size", "this machine has no " + format_size(pool.page_kb * 1024) + " huge pages",
                    "sizes here: " + (have.empty() ? std::string("none (no hugetlb support)") : have));
        }
        if (pool.node && !m.numa_nodes.count(*pool.node))
            d.error(path + "/node", "NUMA node " + std::to_string(*pool.node) + " does not exist or is offline",
                    "online nodes here are " + format_cpu_list(m.numa_nodes) + "; leave node out for a system-wide pool");
    }
    if (m.nr_possible_cpus > 256)
        d.error("/", "this machine has " + std::to_string(m.nr_possible_cpus) + " possible CPUs",
                "llm_sched supports up to 256 CPUs");
    return d.ok();
}

}  // namespace llm::policy
