// SPDX-License-Identifier: GPL-2.0-only
#include "plan/knob_plan.h"

#include <algorithm>
#include <map>
#include <regex>

namespace llm::memory {
namespace {

std::string trim(const std::string& s)
{
    auto b = s.find_first_not_of(" \t\n");
    auto e = s.find_last_not_of(" \t\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

bool knob_path_allowed(const std::string& path)
{
    for (const auto& [_, key] : policy::sysctls())
        if (path == key.path)
            return true;
    for (const auto& key : policy::thp_keys())
        if (path == policy::kThpDir + key)
            return true;
    if (path == "/sys/kernel/mm/lru_gen/enabled" || path == "/sys/kernel/mm/lru_gen/min_ttl_ms")
        return true;
    static const std::regex numbered(
        "/sys/kernel/mm/transparent_hugepage/hugepages-[0-9]{1,9}kB/enabled"
        "|/sys/kernel/mm/hugepages/hugepages-[0-9]{1,9}kB/nr_hugepages"
        "|/sys/devices/system/node/node[0-9]{1,4}/hugepages/hugepages-[0-9]{1,9}kB/nr_hugepages");
    return std::regex_match(path, numbered);
}

std::vector<std::string> unit_writable_paths()
{
    std::vector<std::string> out;
    for (const auto& [_, key] : policy::sysctls())
        out.push_back("-" + key.path);
    out.push_back("/proc/sys/vm/compact_memory");
    out.push_back("/sys/kernel/mm/transparent_hugepage");
    out.push_back("/sys/kernel/mm/hugepages");
    out.push_back("-/sys/kernel/mm/lru_gen");
    // The whole node tree, since its size is the machine's: besides the
    // per-node pools it holds only the per-node compaction trigger.
    out.push_back("-/sys/devices/system/node");
    out.push_back("/sys/fs/cgroup");  // class cgroups (memory/cgroup_tree.h)
    std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
        return a.substr(a[0] == '-') < b.substr(b[0] == '-');
    });
    return out;
}

void cap_pools_to_available(std::vector<Knob>& plan, uint64_t mem_total_bytes, uint64_t mem_available_bytes,
                            const std::function<uint64_t(const Knob&)>& current_pages)
{
    uint64_t headroom = policy::pool_headroom_bytes(mem_total_bytes);
    uint64_t spare = mem_available_bytes > headroom ? mem_available_bytes - headroom : 0;
    for (auto& k : plan) {
        if (k.format != Format::Pool)
            continue;
        auto pos = k.path.find("hugepages-");
        if (pos == std::string::npos)
            continue;
        uint64_t page = std::stoull(k.path.substr(pos + 10));  // "2048kB/..." -> 2048
        uint64_t now = current_pages(k);
        uint64_t want = std::stoull(k.value);
        uint64_t most = now + spare / (page * 1024);
        if (want > most) {
            if (k.wanted.empty())
                k.wanted = k.value;
            k.value = std::to_string(most);
            spare = 0;
        } else if (want > now) {
            spare -= (want - now) * page * 1024;
        }
    }
}

std::vector<Knob> plan(const policy::MemorySpec& spec, uint64_t mem_total_bytes)
{
    std::vector<Knob> out;
    for (const auto& [key, value] : spec.thp) {
        bool choice = policy::thp_choices(key).has_value();
        if (choice || policy::thp_number_range(key))
            out.push_back({"thp." + key, policy::kThpDir + key, value, choice ? Format::Choice : Format::Number, false, ""});
    }
    for (const auto& [kb, mode] : spec.mthp) {
        auto dir = "hugepages-" + std::to_string(kb) + "kB";
        out.push_back({"thp." + dir + ".enabled", policy::kThpDir + dir + "/enabled", mode, Format::Choice, false, ""});
    }
    if (spec.lru_gen_enabled)
        out.push_back({"lru_gen.enabled", "/sys/kernel/mm/lru_gen/enabled", *spec.lru_gen_enabled ? "y" : "n",
                       Format::LruGen, false, ""});
    if (spec.lru_gen_min_ttl_ms)
        out.push_back({"lru_gen.min_ttl_ms", "/sys/kernel/mm/lru_gen/min_ttl_ms",
                       std::to_string(*spec.lru_gen_min_ttl_ms), Format::Number, false, ""});
    for (const auto& pool : spec.hugetlb) {
        auto size = "hugepages-" + std::to_string(pool.page_kb) + "kB";
        Knob k;
        k.format = Format::Pool;
        k.required = pool.required;
        k.wanted = std::to_string(pool.pages);
        k.value = std::to_string(
            mem_total_bytes ? std::min(pool.pages, policy::pool_cap_pages(pool.page_kb, mem_total_bytes)) : pool.pages);
        if (pool.node) {
            k.name = "hugetlb." + std::to_string(pool.page_kb) + "kB.node" + std::to_string(*pool.node);
            k.path = "/sys/devices/system/node/node" + std::to_string(*pool.node) + "/hugepages/" + size +
                     "/nr_hugepages";
        } else {
            k.name = "hugetlb." + std::to_string(pool.page_kb) + "kB";
            k.path = "/sys/kernel/mm/hugepages/" + size + "/nr_hugepages";
        }
        out.push_back(std::move(k));
    }
    // Sysctls last: changing THP makes the kernel raise vm.min_free_kbytes
    // to its recommended value, which would undo an earlier write.
    for (const auto& [name, value] : spec.sysctl)
        if (auto it = policy::sysctls().find(name); it != policy::sysctls().end())
            out.push_back({name, it->second.path, std::to_string(value), Format::Number, false, ""});
    return out;
}

std::vector<std::string> cmdline_pins(const std::string& cmdline, const policy::MemorySpec& spec)
{
    // Boot parameter -> whether the policy sets what it sets.
    const std::vector<std::pair<std::string, bool>> params{
        {"transparent_hugepage", spec.thp.count("enabled") > 0},
        {"transparent_hugepage_shmem", spec.thp.count("shmem_enabled") > 0},
        {"thp_anon", !spec.mthp.empty()},
        {"hugepages", !spec.hugetlb.empty()},
        {"numa_balancing", spec.sysctl.count("kernel.numa_balancing") > 0},
    };
    std::vector<std::string> notes;
    size_t pos = 0;
    while (pos < cmdline.size()) {
        auto end = cmdline.find_first_of(" \n", pos);
        if (end == std::string::npos)
            end = cmdline.size();
        auto word = cmdline.substr(pos, end - pos);
        pos = end + 1;
        auto eq = word.find('=');
        if (eq == std::string::npos)
            continue;
        for (const auto& [param, set] : params)
            if (set && word.compare(0, eq, param) == 0 && eq == param.size())
                notes.push_back("the kernel command line sets " + word +
                                "; the policy overrides it while llm-schedd runs, and the boot value "
                                "comes back on restore and at the next boot");
    }
    return notes;
}

std::string normalize(Format f, const std::string& raw)
{
    std::string s = trim(raw);
    if (f == Format::Choice) {
        auto open = s.find('['), close = s.find(']');
        if (open != std::string::npos && close != std::string::npos && close > open)
            return s.substr(open + 1, close - open - 1);
    }
    return s;
}

bool satisfied(const Knob& k, const std::string& readback)
{
    auto v = normalize(k.format, readback);
    switch (k.format) {
    case Format::LruGen: {
        bool on = !v.empty() && v != "0x0000" && v != "0" && v != "n";
        return on == (k.value == "y");
    }
    case Format::Pool:
        return v == (k.wanted.empty() ? k.value : k.wanted);
    default:
        return v == k.value;
    }
}

}  // namespace llm::memory
