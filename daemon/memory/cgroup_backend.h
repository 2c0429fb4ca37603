// SPDX-License-Identifier: GPL-2.0-only
// Every change CgroupTree makes to cgroupfs: create and remove a cgroup,
// write one interface file, move a process, switch a controller on or off
// for a cgroup's children. CgroupTree itself only reads cgroupfs.
//
// The host's backend uses libcgroup (the project's chosen library) for the
// first four and writes cgroupfs directly where libcgroup 2.0.x has cgroup
// v2 defects (upstream issues 272, 351, 405; each case says which).
// libcgroup finds the cgroup2 mount itself when it starts, so it cannot be
// pointed at a test's fixture tree; tests give CgroupTree a backend with
// cgroupfs's rules on plain directories instead, and everything CgroupTree
// decides (its record, which controllers it enables, where processes go
// back to, what it removes and what it leaves) runs against the fixture as
// it would against /sys/fs/cgroup.
//
// Paths are cgroup paths ("/llm.slice/train"), never file-system paths.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "util/result.h"

namespace llm::memory {

class CgroupBackend {
public:
    virtual ~CgroupBackend() = default;
    // Called once before the first change.
    [[nodiscard]] virtual util::Status start() = 0;
    // Makes `path`, reached through the controllers `ctrls`.
    [[nodiscard]] virtual util::Status create(const std::string& path, const std::set<std::string>& ctrls) = 0;
    // Removes the empty cgroup `path`.
    [[nodiscard]] virtual util::Status remove(const std::string& path, const std::set<std::string>& ctrls) = 0;
    // Writes `value` to the interface file `file` ("memory.max") of `path`.
    [[nodiscard]] virtual util::Status write(const std::string& path, const std::string& file,
                                             const std::string& value) = 0;
    // Moves every thread of process `tgid` into the class cgroup `path`. A
    // process that exited meanwhile is not an error.
    [[nodiscard]] virtual util::Status attach(const std::string& path, const std::set<std::string>& ctrls,
                                              uint32_t tgid) = 0;
    // Moves process `tgid` into any cgroup, the root included, whatever its
    // controllers. A process that exited meanwhile is not an error.
    [[nodiscard]] virtual util::Status move_process(const std::string& path, uint32_t tgid) = 0;
    // Switches controller `ctrl` on or off in the cgroup.subtree_control of `path`.
    [[nodiscard]] virtual util::Status set_subtree_control(const std::string& path, const std::string& ctrl,
                                                           bool on) = 0;
};

// `mount`: where the host's cgroup2 file system is (the one libcgroup finds).
std::unique_ptr<CgroupBackend> libcgroup_backend(std::string mount = "/sys/fs/cgroup");

}  // namespace llm::memory
