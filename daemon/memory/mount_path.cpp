// SPDX-License-Identifier: GPL-2.0-only
#include "memory/mount_path.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "plan/hugetlbfs_plan.h"

namespace llm::memory {
namespace {

std::vector<std::string> components(const std::string& path)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos)
            j = path.size();
        if (j > i)
            out.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    return out;
}

util::Result<util::UniqueFd> open_root(const std::string& root)
{
    util::UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return util::error("cannot open " + root + ": " + std::strerror(errno));
    return fd;
}

// Walks `comps[0..n)` from `dir` with no link followed. On a missing
// component: *missing = its index. On a link: *link = the path up to it.
util::Result<util::UniqueFd> walk(util::UniqueFd dir, const std::vector<std::string>& comps, size_t n,
                                  size_t* missing, std::string* link)
{
    std::string sofar;
    for (size_t i = 0; i < n; ++i) {
        sofar += "/" + comps[i];
        util::UniqueFd next(::openat(dir.get(), comps[i].c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
        if (!next) {
            if (errno == ENOENT) {
                *missing = i;
                return dir;
            }
            return util::error("cannot look at " + sofar + ": " + std::strerror(errno));
        }
        struct stat st {};
        if (::fstat(next.get(), &st) != 0)
            return util::error("cannot look at " + sofar + ": " + std::strerror(errno));
        if (S_ISLNK(st.st_mode)) {
            *link = sofar;
            return dir;
        }
        if (i + 1 < n && !S_ISDIR(st.st_mode))
            return util::error(sofar + " is not a directory");
        dir = std::move(next);
    }
    *missing = n;
    return dir;
}

size_t count_entries(int dirfd)
{
    util::UniqueFd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd)
        return 0;
    DIR* d = ::fdopendir(fd.get());
    if (!d)
        return 0;
    (void)fd.release();
    size_t n = 0;
    while (dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0)
            ++n;
    ::closedir(d);
    return n;
}

}  // namespace

util::Result<policy::MountPathFacts> inspect_mount_path(const std::string& root, const std::string& path,
                                                        const std::string& mountinfo,
                                                        const std::string& page_option)
{
    policy::MountPathFacts f;
    if (auto entry = mount_at(mountinfo, path)) {
        f.mounted = true;
        auto ps = super_option(*entry, "pagesize");
        f.mounted_what = entry->fstype + (ps ? " pagesize=" + *ps : "");
        f.mounted_matches = entry->fstype == "hugetlbfs" && (!ps || *ps == page_option);
    }
    auto rootfd = open_root(root);
    if (!rootfd)
        return util::error(rootfd.error());
    auto comps = components(path);
    size_t missing = 0;
    auto end = walk(std::move(*rootfd), comps, comps.size(), &missing, &f.symlink_at);
    if (!end)
        return util::error(end.error());
    if (!f.symlink_at.empty())
        return f;
    f.exists = missing == comps.size();
    if (!f.exists) {
        f.parent_exists = missing + 1 == comps.size();
        return f;
    }
    struct stat st {};
    if (::fstat(end->get(), &st) != 0)
        return util::error("cannot look at " + path + ": " + std::strerror(errno));
    f.is_dir = S_ISDIR(st.st_mode);
    if (f.is_dir && !f.mounted)
        f.entries = count_entries(end->get());
    return f;
}

// The parent directory of `path`, found without following links.
util::Result<util::UniqueFd> open_parent(const std::string& root, const std::vector<std::string>& comps,
                                         const std::string& path)
{
    auto rootfd = open_root(root);
    if (!rootfd)
        return rootfd;
    if (comps.empty())
        return util::error("cannot mount on the root directory");
    size_t missing = 0;
    std::string link;
    auto parent = walk(std::move(*rootfd), comps, comps.size() - 1, &missing, &link);
    if (!parent)
        return parent;
    if (!link.empty())
        return util::error(path + " goes through the symbolic link " + link);
    if (missing != comps.size() - 1)
        return util::error("the parent directory of " + path + " does not exist");
    return parent;
}

util::Status remove_mount_dir(const std::string& root, const std::string& path)
{
    auto comps = components(path);
    auto parent = open_parent(root, comps, path);
    if (!parent)
        return util::error(parent.error());
    if (::unlinkat(parent->get(), comps.back().c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
        return util::error("cannot remove the directory " + path + ": " + std::strerror(errno));
    return util::Status::success();
}

util::Result<util::UniqueFd> open_mount_dir(const std::string& root, const std::string& path, bool create,
                                            bool* created)
{
    *created = false;
    auto comps = components(path);
    auto parent = open_parent(root, comps, path);
    if (!parent)
        return parent;
    const std::string& last = comps.back();
    if (create && ::mkdirat(parent->get(), last.c_str(), 0755) == 0)
        *created = true;
    else if (create && errno != EEXIST)
        return util::error("cannot create the mount point " + path + ": " + std::strerror(errno));
    util::UniqueFd dir(::openat(parent->get(), last.c_str(), O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
    if (!dir) {
        int err = errno;
        if (*created)
            ::unlinkat(parent->get(), last.c_str(), AT_REMOVEDIR);
        *created = false;
        return util::error("cannot open " + path + ": " + std::strerror(err) +
                           (err == ELOOP || err == ENOTDIR ? " (it is a symbolic link or not a directory)" : ""));
    }
    return dir;
}

}  // namespace llm::memory
