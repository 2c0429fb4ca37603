// SPDX-License-Identifier: GPL-2.0-only
#include "memory/process_scan.h"

#include <dirent.h>

#include <cstdlib>
#include <sstream>

#include "util/read_file.h"

namespace llm::memory {

namespace {

// Field 22 of a /proc/PID/stat line (fields counted from 1; 3 is the state after the comm).
std::optional<uint64_t> start_time_of(const std::string& stat)
{
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 > stat.size())
        return std::nullopt;
    std::istringstream rest(stat.substr(close + 2));
    std::string field;
    for (int i = 3; i < 22; ++i)
        if (!(rest >> field))
            return std::nullopt;
    uint64_t start = 0;
    if (!(rest >> start))
        return std::nullopt;
    return start;
}

}  // namespace

std::optional<uint64_t> process_start_time(uint32_t tgid)
{
    int err = 0;
    auto stat = util::read_file("/proc/" + std::to_string(tgid) + "/stat", &err);
    return stat ? start_time_of(*stat) : std::nullopt;
}

std::optional<ProcessFacts> read_process(uint32_t tgid)
{
    auto dir = "/proc/" + std::to_string(tgid);
    int err = 0;
    // Kernel threads have no address space: an empty cmdline and no maps.
    // Their parent is kthreadd (2), which is the cheaper test.
    auto stat = util::read_file(dir + "/stat", &err);
    if (!stat)
        return std::nullopt;
    auto close = stat->rfind(')');
    if (close == std::string::npos)
        return std::nullopt;
    std::istringstream rest(stat->substr(close + 2));
    char state;
    uint32_t ppid = 0;
    rest >> state >> ppid;
    if (tgid == 2 || ppid == 2)
        return std::nullopt;
    ProcessFacts p;
    p.tgid = tgid;
    p.start_time = start_time_of(*stat).value_or(0);
    auto open = stat->find('(');
    p.comm = stat->substr(open + 1, close - open - 1);
    auto status = util::read_file(dir + "/status", &err);
    if (!status)
        return std::nullopt;
    auto uid = status->find("\nUid:");
    if (uid == std::string::npos)
        return std::nullopt;
    p.uid = static_cast<uint32_t>(std::strtoul(status->c_str() + uid + 5, nullptr, 10));
    auto cg = util::read_file(dir + "/cgroup", &err);
    if (!cg)
        return std::nullopt;
    // cgroup v2 has one line, "0::/path".
    std::istringstream lines(*cg);
    std::string line;
    while (std::getline(lines, line))
        if (line.rfind("0::", 0) == 0)
            p.cgroup = line.substr(3);
    if (p.cgroup.empty())
        return std::nullopt;
    return p;
}

std::vector<ProcessFacts> scan_processes()
{
    std::vector<ProcessFacts> out;
    DIR* d = opendir("/proc");
    if (!d)
        return out;
    while (dirent* e = readdir(d)) {
        char* end = nullptr;
        unsigned long tgid = std::strtoul(e->d_name, &end, 10);
        if (*end || tgid == 0)
            continue;
        if (auto p = read_process(static_cast<uint32_t>(tgid)))
            out.push_back(std::move(*p));
    }
    closedir(d);
    return out;
}

}  // namespace llm::memory
