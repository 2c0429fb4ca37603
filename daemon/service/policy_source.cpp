#include "service/policy_source.h"

#include <grp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "policy/parser.h"
#include "policy/validate.h"
#include "util/read_file.h"

namespace llm::service {

std::optional<policy::CgroupRef> resolve_cgroup(const std::string& path)
{
    std::string full = "/sys/fs/cgroup" + path;
    struct stat st {};
    if (stat(full.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return std::nullopt;
    policy::CgroupRef ref;
    ref.id = st.st_ino;  // cgroup2 inode numbers are the kernfs ids
    std::string trimmed = path;
    while (trimmed.size() > 1 && trimmed.back() == '/')
        trimmed.pop_back();
    ref.level = trimmed == "/" ? 0 : static_cast<uint32_t>(std::count(trimmed.begin(), trimmed.end(), '/'));
    return ref;
}


std::optional<size_t> policy_file_hash(const std::string& path)
{
    int err = 0;
    auto text = util::read_file(path, &err);
    if (!text)
        return std::nullopt;
    return std::hash<std::string>{}(*text);
}

std::optional<LoadedPolicy> load_policy_file(const std::string& path, const policy::Machine& machine,
                                             uint64_t generation, std::string* report)
{
    int err = 0;
    auto text = util::read_file(path, &err);
    if (!text) {
        *report = path + ": cannot read the policy file: " + std::strerror(err) +
                  (err == ENOENT ? " (check the path, or start from `llm-schedd --example`)" : "") + "\n";
        return std::nullopt;
    }
    policy::Diagnostics diags;
    auto p = policy::parse_policy(*text, diags);
    if (p)
        policy::validate(*p, machine, diags);
    if (p && p->daemon.control_group && !getgrnam(p->daemon.control_group->c_str()))
        diags.error("/daemon/control_group", "group \"" + *p->daemon.control_group + "\" does not exist on this host",
                    "create it (groupadd --system " + *p->daemon.control_group + ") or leave control_group out");
    if (!diags.ok()) {
        *report = diags.format(path);
        return std::nullopt;
    }
    LoadedPolicy out{*p, policy::compile(*p, machine, resolve_cgroup, generation), std::hash<std::string>{}(*text)};
    return out;
}

}  // namespace llm::service
