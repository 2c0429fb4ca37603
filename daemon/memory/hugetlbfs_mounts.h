// Makes the policy's hugetlbfs mounts exist, and takes away the ones it made.
//
// A mount the daemon made is recorded (with whether it also created the
// directory) in <state dir>/mounts.json before the mount(2), so a daemon
// restarted after kill -9 still knows which mounts are its own. A matching
// hugetlbfs mount found in place is used as it is and never unmounted. On
// stop, a mount that files still use is reported and left alone: forcing it
// would pull the memory out from under a running job.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"

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
    explicit HugetlbfsMounts(std::string state_dir);

    std::optional<std::string> adopt(size_t* adopted);
    MountReport apply(const std::vector<policy::HugetlbfsMount>& want);
    // Unmounts every mount of its own; busy ones are reported and kept on record.
    MountReport release_all();
    [[nodiscard]] size_t owned() const { return owned_.size(); }

private:
    struct Owned {
        std::string options;
        bool created_dir = false;
    };
    std::optional<std::string> save() const;
    std::optional<std::string> release(const std::string& path, MountReport& rep);

    std::string state_file_;
    std::map<std::string, Owned> owned_;
};

}  // namespace llm::memory
