#include "memory/hugetlbfs_mounts.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "memory/host_mount_ns.h"
#include "memory/hugetlbfs_plan.h"
#include "util/read_file.h"
#include "util/state_file.h"

namespace llm::memory {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Runs in the host's mount namespace.
std::optional<std::string> do_mount(const std::string& path, const std::string& options, bool remount, bool* created)
{
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
        if (errno != ENOENT)
            return "cannot look at " + path + ": " + errno_text(errno);
        if (mkdir(path.c_str(), 0755) != 0)
            return "cannot create the mount point " + path + ": " + errno_text(errno) +
                   (errno == ENOENT ? " (its parent directory does not exist)" : "");
        *created = true;
    } else if (!S_ISDIR(st.st_mode)) {
        return path + " exists and is not a directory; choose another mount path";
    }
    unsigned long flags = MS_NOSUID | MS_NODEV | (remount ? MS_REMOUNT : 0);
    if (mount("hugetlbfs", path.c_str(), "hugetlbfs", flags, options.c_str()) != 0) {
        int err = errno;
        if (*created)
            rmdir(path.c_str());
        *created = false;
        std::string why = errno_text(err);
        if (err == ENOMEM || err == EINVAL)
            why += " (min_size needs that many free pages in the pool; size and min_size must be multiples of the page size)";
        return "mounting hugetlbfs at " + path + " with \"" + options + "\" failed: " + why;
    }
    return std::nullopt;
}

}  // namespace

HugetlbfsMounts::HugetlbfsMounts(std::string state_dir) : state_file_(std::move(state_dir) + "/mounts.json") {}

std::optional<std::string> HugetlbfsMounts::adopt(size_t* adopted)
{
    *adopted = 0;
    std::string error;
    auto mounts = util::read_state_file(state_file_, "mounts", "check the hugetlbfs mounts by hand, then remove it", &error);
    if (!mounts)
        return error;
    for (const auto& [path, e] : mounts->items())
        owned_[path] = {e.value("options", ""), e.value("created_dir", false)};
    *adopted = owned_.size();
    return std::nullopt;
}

std::optional<std::string> HugetlbfsMounts::save() const
{
    if (owned_.empty()) {
        std::error_code ec;
        std::filesystem::remove(state_file_, ec);
        return std::nullopt;
    }
    nlohmann::json j;
    j["mounts"] = nlohmann::json::object();
    for (const auto& [path, o] : owned_)
        j["mounts"][path] = {{"options", o.options}, {"created_dir", o.created_dir}};
    return util::write_state_file(state_file_, j.dump(2) + "\n");
}

std::optional<std::string> HugetlbfsMounts::release(const std::string& path, MountReport& rep)
{
    auto it = owned_.find(path);
    if (it == owned_.end())
        return std::nullopt;
    bool created = it->second.created_dir;
    bool busy = false;
    auto err = in_host_mount_ns([&]() -> std::optional<std::string> {
        if (umount2(path.c_str(), UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT) {
            busy = errno == EBUSY;
            return "cannot unmount " + path + ": " + errno_text(errno);
        }
        if (created && rmdir(path.c_str()) != 0 && errno != ENOENT)
            return "unmounted " + path + " but cannot remove the directory it created: " + errno_text(errno);
        return std::nullopt;
    });
    if (busy) {
        rep.busy.push_back(path + " is still in use (a process has a file there open or mapped); left mounted");
        return std::nullopt;
    }
    if (err)
        return err;
    owned_.erase(it);
    rep.released.push_back(path);
    return save();
}

MountReport HugetlbfsMounts::apply(const std::vector<policy::HugetlbfsMount>& want)
{
    MountReport rep;
    auto mountinfo = host_mountinfo();
    // Refuse a path taken by another file system before changing anything.
    for (const auto& m : want) {
        auto entry = mount_at(mountinfo, m.path);
        if (entry && !owned_.count(m.path))
            if (auto why = mount_mismatch(*entry, m)) {
                rep.fatal = "hugetlbfs " + m.path + ": " + *why + "; choose another path or unmount it first";
                return rep;
            }
    }
    std::vector<std::string> drop;
    for (const auto& [path, _] : owned_) {
        bool wanted = false;
        for (const auto& m : want)
            wanted = wanted || m.path == path;
        if (!wanted)
            drop.push_back(path);
    }
    for (const auto& path : drop)
        if (auto err = release(path, rep)) {
            rep.fatal = *err;
            return rep;
        }
    for (const auto& m : want) {
        MountResult r{m.path, mount_options(m), "", ""};
        auto entry = mount_at(mountinfo, m.path);
        auto it = owned_.find(m.path);
        if (entry && it == owned_.end()) {
            r.action = "found in place";
        } else if (entry && it->second.options == r.options && !mount_mismatch(*entry, m)) {
            r.action = "unchanged";
        } else {
            bool remount = entry && !mount_mismatch(*entry, m);
            if (entry && !remount) {
                // Ours, but the page size changed: only a fresh mount can do that.
                if (auto err = release(m.path, rep)) {
                    rep.fatal = *err;
                    return rep;
                }
                if (owned_.count(m.path)) {
                    rep.fatal = "hugetlbfs " + m.path + ": the page size changed, but the old mount is in use";
                    return rep;
                }
            }
            // Record before the mount, so a crash right after leaves it known as ours.
            bool created_before = it != owned_.end() && it->second.created_dir;
            owned_[m.path] = {r.options, created_before};
            if (auto err = save()) {
                rep.fatal = *err;
                return rep;
            }
            bool created = false;
            auto err = in_host_mount_ns([&] { return do_mount(m.path, r.options, remount, &created); });
            if (err) {
                if (!remount)
                    owned_.erase(m.path);
                save();
                rep.fatal = *err;
                rep.mounts.push_back(r);
                return rep;
            }
            owned_[m.path].created_dir = created_before || created;
            save();
            r.action = remount ? "remounted" : "mounted";
        }
        // Verify what the kernel shows now.
        auto now = mount_at(host_mountinfo(), m.path);
        if (!now || now->fstype != "hugetlbfs" || mount_mismatch(*now, m)) {
            r.error = now ? "after mounting, " + m.path + " shows " + now->fstype + " " + now->super_options
                          : "after mounting, " + m.path + " is not in /proc/1/mountinfo";
            rep.fatal = "hugetlbfs " + m.path + ": " + r.error;
        }
        rep.mounts.push_back(r);
        if (rep.fatal)
            return rep;
    }
    return rep;
}

MountReport HugetlbfsMounts::release_all()
{
    MountReport rep;
    std::vector<std::string> paths;
    for (const auto& [path, _] : owned_)
        paths.push_back(path);
    for (const auto& path : paths)
        if (auto err = release(path, rep))
            rep.busy.push_back(*err);
    return rep;
}

}  // namespace llm::memory
