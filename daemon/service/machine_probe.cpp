// SPDX-License-Identifier: GPL-2.0-only
#include "service/machine_probe.h"

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <cstdio>
#include <string>

#include "policy/units.h"

namespace llm::service {

using policy::Machine;
using policy::parse_cpu_list;
namespace {

std::set<unsigned> read_cpu_file(const char* path)
{
    std::ifstream f(path);
    std::string line;
    if (!std::getline(f, line))
        return {};
    auto set = parse_cpu_list(line);
    return set ? *set : std::set<unsigned>{};
}

}  // namespace

Machine probe_machine()
{
    Machine m;
    auto possible = read_cpu_file("/sys/devices/system/cpu/possible");
    m.nr_possible_cpus = possible.empty() ? 1 : *possible.rbegin() + 1;
    m.online_cpus = read_cpu_file("/sys/devices/system/cpu/online");
    if (m.online_cpus.empty())
        m.online_cpus = {0};
    if (DIR* d = opendir("/sys/kernel/mm/hugepages")) {
        m.hugepage_kb.clear();
        while (dirent* e = readdir(d)) {
            unsigned long long kb = 0;
            if (std::sscanf(e->d_name, "hugepages-%llukB", &kb) == 1)
                m.hugepage_kb.insert(kb);
        }
        closedir(d);
    }
    if (DIR* d = opendir("/sys/kernel/mm/transparent_hugepage")) {
        while (dirent* e = readdir(d)) {
            unsigned long long kb = 0;
            if (std::sscanf(e->d_name, "hugepages-%llukB", &kb) == 1)
                m.mthp_kb.insert(kb);
        }
        closedir(d);
    }
    if (auto nodes = read_cpu_file("/sys/devices/system/node/online"); !nodes.empty())
        m.numa_nodes = nodes;
    for (unsigned node : m.numa_nodes)
        m.node_cpus[node] = read_cpu_file(("/sys/devices/system/node/node" + std::to_string(node) + "/cpulist").c_str());
    if (m.node_cpus.size() == 1 && m.node_cpus.begin()->second.empty())
        m.node_cpus.begin()->second = m.online_cpus;  // no NUMA in this kernel: one node has them all
    // Each CPU's last-level cache: the highest cache index it has, named by
    // the lowest CPU that shares it.
    for (unsigned cpu : m.online_cpus) {
        std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cache/index";
        std::set<unsigned> shared;
        for (int idx = 0; idx < 8; ++idx) {
            auto s = read_cpu_file((base + std::to_string(idx) + "/shared_cpu_list").c_str());
            if (s.empty())
                break;
            shared = s;
        }
        if (!shared.empty())
            m.cpu_llc[cpu] = *shared.begin();
    }
    std::ifstream mi("/proc/meminfo");
    std::string key;
    uint64_t kb = 0;
    while (mi >> key >> kb) {
        if (key == "MemTotal:") {
            m.mem_total_bytes = kb * 1024;
            break;
        }
        mi.ignore(256, '\n');
    }
    return m;
}

}  // namespace llm::service
