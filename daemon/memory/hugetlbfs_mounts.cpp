// SPDX-License-Identifier: GPL-2.0-only
#include "memory/hugetlbfs_mounts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "memory/host_mountinfo.h"
#include "plan/hugetlbfs_plan.h"
#include "memory/mount_path.h"
#include "policy/path_rules.h"
#include "util/state_file.h"

namespace llm::memory {
namespace {

std::string page_option(uint64_t kb)
{
    return kb % (1024 * 1024) == 0 ? std::to_string(kb / (1024 * 1024)) + "G" : std::to_string(kb / 1024) + "M";
}

}  // namespace

HugetlbfsMounts::HugetlbfsMounts(std::string state_dir, std::unique_ptr<Mounter> mounter, std::string root)
    : state_file_(std::move(state_dir) + "/mounts.json"), mounter_(std::move(mounter)), root_(std::move(root))
{
}

util::Status HugetlbfsMounts::adopt(size_t* adopted, std::vector<std::string>* dropped)
{
    *adopted = 0;
    std::string warning;
    auto mounts = util::read_state_file(state_file_, "mounts", "check the hugetlbfs mounts by hand", &warning);
    if (!mounts)
        return util::error(mounts.error());
    if (!warning.empty() && dropped)
        dropped->push_back(warning);
    size_t bad = 0;
    for (const auto& [path, e] : mounts->items()) {
        auto allowed = policy::mount_path_allowed(path);
        bool shape = e.is_object() && e.value("options", nlohmann::json()).is_string() &&
                     e.value("created_dir", nlohmann::json(false)).is_boolean();
        if (!allowed || !shape) {
            ++bad;
            if (dropped)
                dropped->push_back(state_file_ + ": mount \"" + path + "\" " +
                                   (allowed ? std::string("has a malformed entry") : allowed.error()) +
                                   "; not adopted, left as it is");
            continue;
        }
        owned_[path] = {e.value("options", ""), e.value("created_dir", false)};
    }
    if (bad) {
        util::set_aside_partly_refused(state_file_, dropped);
        if (auto err = save(); !err)
            return err;
    }
    *adopted = owned_.size();
    return {};
}

util::Status HugetlbfsMounts::save() const
{
    if (owned_.empty()) {
        std::error_code ec;
        std::filesystem::remove(state_file_, ec);
        return {};
    }
    nlohmann::json j;
    j["mounts"] = nlohmann::json::object();
    for (const auto& [path, o] : owned_)
        j["mounts"][path] = {{"options", o.options}, {"created_dir", o.created_dir}};
    return util::write_state_file(state_file_, j.dump(2) + "\n");
}

util::Status HugetlbfsMounts::check(const std::vector<policy::HugetlbfsMount>& want) const
{
    auto mountinfo = host_mountinfo();
    std::string problems;
    for (const auto& m : want) {
        auto facts = inspect_mount_path(root_, m.path, mountinfo, page_option(m.page_kb));
        if (!facts) {
            problems += "hugetlbfs " + m.path + ": " + facts.error() + "\n";
            continue;
        }
        if (auto s = policy::mount_path_usable(m.path, *facts, owned_.count(m.path) > 0); !s)
            problems += "hugetlbfs " + m.path + ": " + s.error() + "\n";
    }
    if (!problems.empty()) {
        problems.pop_back();
        return util::error(problems);
    }
    return util::Status::success();
}

util::Status HugetlbfsMounts::release(const std::string& path, MountReport& rep)
{
    auto it = owned_.find(path);
    if (it == owned_.end())
        return {};
    bool busy = false;
    if (auto s = mounter_->unmount(path, &busy); !s) {
        if (busy) {
            rep.busy.push_back(path + " is still in use (a process has a file there open or mapped); left mounted");
            return {};
        }
        return util::error(s.error());
    }
    if (it->second.created_dir)
        if (auto s = remove_mount_dir(root_, path); !s)
            rep.released.push_back("unmounted, but " + s.error() + " (left it)");
    owned_.erase(it);
    rep.released.push_back(path);
    return save();
}

MountReport HugetlbfsMounts::apply(const std::vector<policy::HugetlbfsMount>& want)
{
    MountReport rep;
    // Refuse a path the rules refuse before changing anything.
    if (auto s = check(want); !s) {
        rep.fatal = s.error();
        return rep;
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
        if (auto err = release(path, rep); !err) {
            rep.fatal = err.error();
            return rep;
        }
    for (const auto& m : want) {
        MountResult r{m.path, mount_options(m), "", ""};
        auto mountinfo = host_mountinfo();
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
                if (auto err = release(m.path, rep); !err) {
                    rep.fatal = err.error();
                    return rep;
                }
                if (owned_.count(m.path)) {
                    rep.fatal = "hugetlbfs " + m.path + ": the page size changed, but the old mount is in use";
                    return rep;
                }
            }
            auto facts = inspect_mount_path(root_, m.path, host_mountinfo(), page_option(m.page_kb));
            bool created_before = it != owned_.end() && it->second.created_dir;
            bool will_create = facts && !facts->exists;
            // Record before the mount, so a crash right after leaves it known as ours.
            owned_[m.path] = {r.options, created_before || (will_create && mounter_->creates_directories())};
            if (auto err = save(); !err) {
                rep.fatal = err.error();
                return rep;
            }
            bool created = false;
            util::Status done = util::Status::success();
            if (mounter_->creates_directories()) {
                done = mounter_->mount(m.path, -1, r.options);
            } else {
                auto dir = open_mount_dir(root_, m.path, true, &created);
                done = dir ? mounter_->mount(m.path, dir->get(), r.options) : util::Status(util::error(dir.error()));
                if (!done && created)
                    (void)remove_mount_dir(root_, m.path);
            }
            if (!done) {
                if (!remount)
                    owned_.erase(m.path);
                (void)save();
                rep.fatal = done.error();
                rep.mounts.push_back(r);
                return rep;
            }
            owned_[m.path].created_dir = owned_[m.path].created_dir || created;
            if (auto err = save(); !err)
                rep.fatal = err.error();
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
        if (auto err = release(path, rep); !err)
            rep.busy.push_back(err.error());
    return rep;
}

}  // namespace llm::memory
