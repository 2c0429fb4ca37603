// SPDX-License-Identifier: GPL-2.0-only
#include "service/policy_source.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "policy/parser.h"
#include "policy/validate.h"
#include "service/config_trust.h"
#include "util/unique_fd.h"

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

util::Result<std::string> read_policy_file(const std::string& path, std::optional<uid_t> trusted)
{
    // O_NONBLOCK: a FIFO put where the policy should be must not hang the daemon.
    util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!fd) {
        int err = errno;
        if (err == ELOOP)
            return util::error(path + " is a symbolic link; the daemon reads the policy itself, not what a link "
                                      "points to (a link can be swapped after it is checked). Give --config the "
                                      "real path: " + path + " -> `readlink -f " + path + "`");
        return util::error(path + ": cannot read the policy file: " + std::strerror(err) +
                           (err == ENOENT ? " (check the path, or start from `llm-schedd --example`)" : ""));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        return util::error(path + ": cannot stat the policy file: " + std::strerror(errno));
    if (S_ISDIR(st.st_mode))
        return util::error(path + ": cannot read the policy file: " + std::strerror(EISDIR));
    if (!S_ISREG(st.st_mode))
        return util::error(path + " is not a regular file; give --config a JSON file");
    if (trusted) {
        if (auto problem = trust_problem({path, st.st_uid, st.st_mode}, *trusted))
            return util::error(path + ": " + *problem);
        if (auto problem = check_dir_trust(path, *trusted))
            return util::error(path + ": " + *problem);
    }
    if (static_cast<uint64_t>(st.st_size) > kMaxPolicyBytes)
        return util::error(path + " is " + std::to_string(st.st_size) + " bytes; a policy is at most " +
                           std::to_string(kMaxPolicyBytes) + " bytes (1 MiB). Is this the right file?");
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0)
        (void)::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    std::string text;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return util::error(path + ": cannot read the policy file: " + std::strerror(errno));
        if (n == 0)
            break;
        text.append(buf, static_cast<size_t>(n));
        if (text.size() > kMaxPolicyBytes)  // it grew while we read it
            return util::error(path + " is over " + std::to_string(kMaxPolicyBytes) +
                               " bytes; a policy is at most 1 MiB");
    }
    return text;
}

std::optional<size_t> policy_file_hash(const std::string& path)
{
    auto text = read_policy_file(path, std::nullopt);
    if (!text)
        return std::nullopt;
    return std::hash<std::string>{}(*text);
}

util::Result<LoadedPolicy> load_policy_file(const std::string& path, const policy::Machine& machine,
                                            uint64_t generation)
{
    auto text = read_policy_file(path, std::nullopt);
    if (!text)
        return util::error(text.error() + "\n");
    return load_policy_text(*text, path, machine, generation);
}

util::Result<LoadedPolicy> load_policy_text(const std::string& text, const std::string& path,
                                            const policy::Machine& machine, uint64_t generation)
{
    policy::Diagnostics diags;
    auto p = policy::parse_policy(text, diags);
    if (p)
        policy::resolve_and_validate(*p, machine, diags);
    if (p && p->daemon.control_group && !getgrnam(p->daemon.control_group->c_str()))
        diags.error("/daemon/control_group", "group \"" + *p->daemon.control_group + "\" does not exist on this host",
                    "create it (groupadd --system " + *p->daemon.control_group + ") or leave control_group out");
    if (!diags.ok())
        return util::error(diags.format(path));
    return LoadedPolicy{*p, policy::compile(*p, machine, resolve_cgroup, generation), std::hash<std::string>{}(text)};
}

}  // namespace llm::service
