// SPDX-License-Identifier: GPL-2.0-only
#include "policy/path_rules.h"

namespace llm::policy {
namespace {

bool under(const std::string& path, const std::string& dir)
{
    return path == dir || path.starts_with(dir + "/");
}

constexpr const char* kFix = "; mount huge pages at a directory of their own, such as \"/dev/hugepages-llm\" or "
                             "\"/mnt/hugepages\"";

}  // namespace

util::Status mount_path_allowed(const std::string& path)
{
    if (path.empty() || path.front() != '/')
        return util::error("is not absolute; write an absolute path such as \"/dev/hugepages-llm\"");
    if (path == "/")
        return util::error("is the root directory: a mount there would hide the whole system" + std::string(kFix));
    if (path.back() == '/' || path.find("//") != std::string::npos || path.find("/./") != std::string::npos ||
        path.find("/../") != std::string::npos || path.ends_with("/..") || path.ends_with("/."))
        return util::error("is not in normal form (no \"..\", \".\", \"//\" or trailing \"/\"); write the path as it is");
    for (unsigned char ch : path)
        if (ch == ',' || ch == ' ' || ch < 0x20 || ch == 0x7f)
            return util::error("contains a comma, a space or a control character" + std::string(kFix));
    for (const char* tree : {"/etc", "/usr", "/var", "/home", "/boot", "/dev", "/run", "/proc", "/sys", "/root",
                             "/opt", "/srv", "/tmp", "/bin", "/sbin", "/lib", "/lib64", "/mnt", "/media"})
        if (path == tree)
            return util::error("is a system directory: a mount there would hide everything in it" + std::string(kFix));
    for (const char* fs : {"/proc", "/sys", "/dev/pts", "/dev/shm", "/dev/mqueue", "/run/llm-schedd"})
        if (under(path, fs))
            return util::error(std::string("is inside ") + fs + ", which is not the daemon's to mount on" + kFix);
    // Trees other users write to: an entry planted there between the check
    // and a mount by path (systemd's) would redirect it. The service's
    // sandbox also hides them (PrivateTmp=, ProtectHome=), so the daemon
    // could not even see what it would mount over.
    for (const char* tree : {"/tmp", "/var/tmp", "/home", "/root", "/run/user"})
        if (under(path, tree))
            return util::error(std::string("is inside ") + tree +
                               ", where other users create entries and the service's sandbox hides the host's view" +
                               kFix);
    return util::Status::success();
}

util::Status mount_path_usable(const std::string& path, const MountPathFacts& f, bool ours)
{
    if (!f.symlink_at.empty())
        return util::error("goes through the symbolic link " + f.symlink_at +
                           "; the mount would land where it points. Give the real path");
    if (f.mounted)
        return f.mounted_matches ? util::Status::success()
                                 : util::error("already has " + f.mounted_what +
                                               " mounted; choose another path or unmount it first");
    if (!f.exists) {
        if (!f.parent_exists)
            return util::error("does not exist, nor does its parent directory; the daemon creates only the last "
                               "component. Create the parent first");
        return util::Status::success();  // a directory of our own, made now
    }
    if (!f.is_dir)
        return util::error("exists and is not a directory; choose another path");
    if (under(path, "/dev") && !ours)
        return util::error("is an existing directory under /dev; there the daemon mounts only on a directory it "
                           "creates itself. Choose a path that does not exist yet");
    if (f.entries > 0)
        return util::error("is a directory with " + std::to_string(f.entries) + " entr" +
                           (f.entries == 1 ? "y" : "ies") +
                           "; hugetlbfs mounted over it would hide them until the daemon stops. Choose an empty "
                           "directory or one that does not exist yet");
    return util::Status::success();
}

util::Status cgroup_path_normal(const std::string& path)
{
    if (path.empty() || path.front() != '/')
        return util::error("is not absolute");
    if (path == "/")
        return util::Status::success();
    if (path.back() == '/' || path.find("//") != std::string::npos || path.find("/./") != std::string::npos ||
        path.find("/../") != std::string::npos || path.ends_with("/..") || path.ends_with("/."))
        return util::error("is not in normal form (no \"..\", \".\", \"//\" or trailing \"/\")");
    if (path.find_first_of("\n\t") != std::string::npos)
        return util::error("contains a control character");
    return util::Status::success();
}

util::Status cgroup_path_ours(const std::string& path)
{
    if (auto s = cgroup_path_normal(path); !s)
        return s;
    if (path == "/")
        return util::error("is the root cgroup");
    for (const char* sd : {"/system.slice", "/user.slice", "/init.scope", "/machine.slice"})
        if (under(path, sd))
            return util::error(std::string("is below ") + sd + ", which systemd owns");
    return util::Status::success();
}

bool cgroup_path_within(const std::string& path, const std::string& root)
{
    return cgroup_path_normal(path) && (root == "/" || under(path, root));
}

bool cgroup_path_on_way_to(const std::string& path, const std::string& root)
{
    return cgroup_path_normal(path) && (path == "/" || under(root, path));
}

}  // namespace llm::policy
