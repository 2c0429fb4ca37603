// SPDX-License-Identifier: GPL-2.0-only
#include "plan/placement.h"

namespace llm::memory {

bool cgroup_under(const std::string& path, const std::string& dir)
{
    return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                           (dir == "/" || path[dir.size()] == '/'));
}

namespace {

bool matches(const policy::MatchRule& r, const ProcessFacts& proc)
{
    if (r.catch_all)
        return true;
    if (r.cgroup_prefix && !cgroup_under(proc.cgroup, *r.cgroup_prefix))
        return false;
    if (r.comm_prefix && proc.comm.rfind(*r.comm_prefix, 0) != 0)
        return false;
    if (r.leader_comm_prefix && proc.comm.rfind(*r.leader_comm_prefix, 0) != 0)
        return false;
    // A pid rule names one thread; at the process level it can only be the main one.
    if (r.pid && *r.pid != proc.tgid)
        return false;
    if (r.tgid && *r.tgid != proc.tgid)
        return false;
    if (r.uid && *r.uid != proc.uid)
        return false;
    return true;
}

}  // namespace

std::optional<size_t> cgroup_class_of(const policy::Policy& p, const ProcessFacts& proc)
{
    for (size_t i = 0; i < p.classes.size(); ++i)
        for (const auto& rule : p.classes[i].match)
            if (matches(rule, proc))
                return p.classes[i].memory ? std::optional<size_t>(i) : std::nullopt;
    return std::nullopt;
}

}  // namespace llm::memory
