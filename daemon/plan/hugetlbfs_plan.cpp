// SPDX-License-Identifier: GPL-2.0-only
#include "plan/hugetlbfs_plan.h"

#include <cstdio>
#include <sstream>

#include "policy/units.h"

namespace llm::memory {

namespace {

std::string page_size_option(uint64_t kb)
{
    return kb % (1024 * 1024) == 0 ? std::to_string(kb / (1024 * 1024)) + "G" : std::to_string(kb / 1024) + "M";
}

}  // namespace

std::string mount_options(const policy::HugetlbfsMount& m)
{
    std::string o = "pagesize=" + page_size_option(m.page_kb);
    if (m.size)
        o += ",size=" + std::to_string(*m.size);
    if (m.min_size)
        o += ",min_size=" + std::to_string(*m.min_size);
    if (m.uid)
        o += ",uid=" + std::to_string(*m.uid);
    if (m.gid)
        o += ",gid=" + std::to_string(*m.gid);
    if (m.mode) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", *m.mode);
        o += ",mode=" + std::string(mode);
    }
    return o;
}

std::optional<MountEntry> mount_at(const std::string& mountinfo, const std::string& path)
{
    std::optional<MountEntry> found;
    std::istringstream in(mountinfo);
    std::string line;
    while (std::getline(in, line)) {
        // id parent major:minor root mount_point options [optional...] - fstype source super_options
        std::istringstream f(line);
        std::string id, parent, dev, root, point, opts, word;
        if (!(f >> id >> parent >> dev >> root >> point >> opts) || point != path)
            continue;
        while (f >> word && word != "-") {
        }
        MountEntry e;
        std::string source;
        e.mount_point = point;
        f >> e.fstype >> source >> e.super_options;
        found = e;
    }
    return found;
}

std::optional<std::string> super_option(const MountEntry& e, const std::string& key)
{
    std::istringstream in(e.super_options);
    std::string item;
    while (std::getline(in, item, ','))
        if (item.rfind(key + "=", 0) == 0)
            return item.substr(key.size() + 1);
    return std::nullopt;
}

std::optional<std::string> mount_mismatch(const MountEntry& e, const policy::HugetlbfsMount& m)
{
    if (e.fstype != "hugetlbfs")
        return "a " + e.fstype + " file system is already mounted there";
    auto ps = super_option(e, "pagesize");
    auto want = page_size_option(m.page_kb);
    if (ps && *ps != want)
        return "hugetlbfs with pagesize=" + *ps + " is already mounted there, not " + want;
    return std::nullopt;
}

}  // namespace llm::memory
