// SPDX-License-Identifier: GPL-2.0-only
// Makes the policy's hugetlbfs mounts exist, and takes away the ones it made.
//
// Before anything changes, every wanted path is looked at on the live
// system without following links and judged by policy/path_rules.h: no
// mount over a non-empty directory, a system tree, a link, or an existing
// directory under /dev. A mount the daemon made is recorded (with whether
// it also created the directory) in <state dir>/mounts.json before it is
// made, so a daemon restarted after kill -9 still knows which mounts are
// its own. A matching hugetlbfs mount found in place is used as it is and
// never unmounted. On stop, a mount that files still use is reported and
// left alone: forcing it would pull the memory out from under a running
// job. The mount itself goes through a Mounter (memory/mounter.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "memory/mounter.h"
#include "policy/policy.h"
#include "util/result.h"

namespace llm::memory {

struct MountResult {
    std::string path;
    std::string options;
    std::string action;  // "mounted", "remounted", "unchanged", "found in place"
    std::string error;
};

struct MountReport {
    std::vector<MountResult> mounts;
    std::vector<std::string> released;  // unmounted: the policy no longer has them
    std::vector<std::string> busy;      // could not unmount: in use
    std::optional<std::string> fatal;
};

class HugetlbfsMounts {
public:
    // `root`: where paths are looked up ("/", or a test's fixture tree).
    HugetlbfsMounts(std::string state_dir, std::unique_ptr<Mounter> mounter, std::string root = "/");

    // Loads the record a daemon that did not stop cleanly left. An entry
    // that breaks the mount rules is dropped and reported (*dropped).
    [[nodiscard]] util::Status adopt(size_t* adopted, std::vector<std::string>* dropped = nullptr);
    // Every problem with the wanted paths on the live system, changing
    // nothing (also what --check reports).
    [[nodiscard]] util::Status check(const std::vector<policy::HugetlbfsMount>& want) const;
    MountReport apply(const std::vector<policy::HugetlbfsMount>& want);
    // Unmounts every mount of its own; busy ones are reported and kept on record.
    MountReport release_all();
    [[nodiscard]] size_t owned() const { return owned_.size(); }

private:
    struct Owned {
        std::string options;
        bool created_dir = false;
    };
    [[nodiscard]] util::Status save() const;
    [[nodiscard]] util::Status release(const std::string& path, MountReport& rep);

    std::string state_file_;
    std::unique_ptr<Mounter> mounter_;
    std::string root_;
    std::map<std::string, Owned> owned_;
};

}  // namespace llm::memory
