// SPDX-License-Identifier: GPL-2.0-only
#include "report/example_policy.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "policy/units.h"

namespace llm::report {
namespace {

using nlohmann::ordered_json;

std::string cpus_at(const std::vector<unsigned>& cpus, size_t from, size_t to)
{
    std::set<unsigned> s(cpus.begin() + static_cast<long>(from), cpus.begin() + static_cast<long>(to));
    return policy::format_cpu_list(s);
}

// A size the policy language reads, rounded down to whole MiB (GiB when even).
std::string size_text(uint64_t bytes)
{
    uint64_t mib = bytes >> 20;
    if (mib >= 1024 && mib % 1024 == 0)
        return std::to_string(mib / 1024) + "G";
    return std::to_string(std::max<uint64_t>(mib, 1)) + "M";
}

std::string gib(uint64_t bytes)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", static_cast<double>(bytes) / (1ull << 30));
    return buf;
}

}  // namespace

std::string example_policy(const policy::Machine& m)
{
    std::vector<unsigned> cpus(m.online_cpus.begin(), m.online_cpus.end());
    const size_t n = cpus.size();
    const uint64_t mem = m.mem_total_bytes ? m.mem_total_bytes : (4ull << 30);
    const bool has_2m = m.hugepage_kb.count(2048) != 0;
    // A quarter of the CPUs (at least one) for the data loaders, once there
    // are four; the rest for the job, split evenly between the phases.
    const bool split = n >= 4;
    const size_t job = split ? n - std::max<size_t>(1, n / 4) : n;
    const size_t half = std::max<size_t>(1, job / 2);

    ordered_json p;
    p["$schema"] = "/usr/share/llm-schedd/llm-schedd.schema.json";
    p["$comment"] = "Fitted to the machine llm-schedd --example ran on: " + std::to_string(n) + " online CPUs (" +
                    policy::format_cpu_list(m.online_cpus) + "), " + std::to_string(m.numa_nodes.size()) +
                    " NUMA node(s), " + gib(mem) + " GiB of memory. Run it again on another host.";
    p["daemon"] = {{"watch_config", true}, {"reload_debounce_ms", 250}};

    ordered_json mem_section;
    mem_section["restore_on_exit"] = true;
    mem_section["sysctl"] = {{"vm.swappiness", 10}, {"vm.overcommit_memory", 1}, {"vm.watermark_scale_factor", 200}};
    if (m.numa_nodes.size() > 1)
        mem_section["sysctl"]["kernel.numa_balancing"] = 0;
    mem_section["thp"] = {{"enabled", "madvise"}, {"defrag", "defer+madvise"}};
    uint64_t pool = 0;
    if (has_2m) {
        // An eighth of memory (at most 64 GiB) in 2 MiB pages for the weights.
        pool = std::min<uint64_t>(mem / 8, 64ull << 30) / (2ull << 20) * (2ull << 20);
        if (pool >= (2ull << 20)) {
            mem_section["$comment"] = "A 2 MiB pool of an eighth of memory, mounted for llm_hugemem_alloc and "
                                      "llm_schedd.hugemem; the train class may use all of it.";
            mem_section["hugetlb"] = ordered_json::array({{{"page_size", "2M"}, {"pages", pool / (2ull << 20)}}});
            mem_section["hugetlbfs"] = ordered_json::array(
                {{{"path", "/dev/hugepages-llm"}, {"page_size", "2M"}, {"size", size_text(pool)}, {"mode", "0770"}}});
        }
    }
    p["memory"] = mem_section;
    p["scheduler"] = {{"enabled", true}, {"watchdog_ms", 5000}, {"default_slice_us", 3000}, {"starvation_ms", 200}};

    ordered_json train;
    train["name"] = "train";
    train["$comment"] = split ? "CPUs " + cpus_at(cpus, 0, job) + " for the job, forward and backward threads on " +
                                    "separate halves, owned while it runs; the rest for data loaders."
                              : "Fewer than 4 CPUs: the job shares them all, with one phase on each half.";
    train["match"] = ordered_json::array({{{"cgroup_prefix", "/llm.slice/train"}},
                                          {{"comm_prefix", "pt_main_thread"}},
                                          {{"comm_prefix", "llama-"}}});
    train["priority"] = 90;
    train["order"] = "fifo";
    train["slice"] = {{"mode", "history"}, {"min_us", 500}, {"max_us", 20000}, {"ewma", 0.25}, {"scale", 1.5}};
    train["cpus"] = cpus_at(cpus, 0, job);
    if (job >= 2) {  // phase sets must not overlap, so one CPU has none
        ordered_json phases;
        phases["forward"] = cpus_at(cpus, 0, half);
        phases["backward"] = cpus_at(cpus, half, job);
        phases["roles"] = ordered_json::array({{{"comm_prefix", "pt_autograd_"}, {"phase", "backward"}}});
        train["phases"] = phases;
    }
    if (split)
        train["cpus_exclusive"] = true;
    ordered_json tm;
    tm["high"] = size_text(mem / 100 * 75);
    tm["max"] = size_text(mem / 100 * 85);
    tm["swap_max"] = 0;
    tm["oom_group"] = true;
    if (pool >= (2ull << 20))
        tm["hugetlb"] = {{"2M", size_text(pool)}};
    train["memory"] = tm;

    ordered_json classes = ordered_json::array({train});
    if (split)
        classes.push_back({{"name", "dataloader"},
                           {"match", ordered_json::array({{{"comm_prefix", "pt_data_worker"}}})},
                           {"priority", 60},
                           {"order", "rr"},
                           {"slice", {{"mode", "fixed"}, {"fixed_us", 2000}}},
                           {"cpus", cpus_at(cpus, job, n)}});
    classes.push_back({{"name", "background"},
                       {"match", ordered_json::array({{{"default", true}}})},
                       {"priority", 10},
                       {"order", "fair"}});
    p["classes"] = classes;
    return p.dump(2) + "\n";
}

}  // namespace llm::report
