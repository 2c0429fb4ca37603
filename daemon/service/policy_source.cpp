#include "service/policy_source.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "policy/parser.h"
#include "policy/validate.h"

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

std::optional<LoadedPolicy> load_policy_file(const std::string& path, const policy::Machine& machine,
                                             uint64_t generation, std::string* report)
{
    std::ifstream f(path, std::ios::binary);
    if (!f) {
        int err = errno;
        *report = path + ": cannot read the policy file: " + std::strerror(err) +
                  (err == ENOENT ? " (check the path, or start from `llm-schedd --example`)" : "") + "\n";
        return std::nullopt;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    if (f.bad()) {
        *report = path + ": error while reading the policy file\n";
        return std::nullopt;
    }
    policy::Diagnostics diags;
    auto p = policy::parse_policy(ss.str(), diags);
    if (p)
        policy::validate(*p, machine, diags);
    if (!diags.ok()) {
        *report = diags.format(path);
        return std::nullopt;
    }
    LoadedPolicy out{*p, policy::compile(*p, machine, resolve_cgroup, generation)};
    return out;
}

}  // namespace llm::service
