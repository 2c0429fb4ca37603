// SPDX-License-Identifier: GPL-2.0-only
// The one effect hugetlbfs mounts need: mount or unmount a path, in the
// host's mount namespace.
//
// Under systemd the daemon's sandbox (ProtectSystem=strict and friends)
// gives it a mount namespace of its own, so a mount made there would be
// invisible to the workloads. SystemdMounter asks PID 1 instead, over its
// private bus (/run/systemd/private): a transient .mount unit per path, so
// the mount is made by systemd in the host's namespace, shows in
// `systemctl list-units --type mount`, and propagates into the daemon's
// view. No namespace is joined and the unit needs no capability for it.
// Outside systemd, DirectMounter calls mount(2) on the directory it found
// without following links (memory/mount_path.h).
#pragma once

#include <memory>
#include <string>

#include "util/result.h"

namespace llm::memory {

class Mounter {
public:
    virtual ~Mounter() = default;
    // Mounts hugetlbfs at `path` with `options` ("pagesize=2M,size=...").
    // `dir_fd` is the directory, opened without following links; -1 when the
    // mounter creates the directory itself (systemd does).
    [[nodiscard]] virtual util::Status mount(const std::string& path, int dir_fd, const std::string& options) = 0;
    // Unmounts `path`. *busy: the mount is in use and was left.
    [[nodiscard]] virtual util::Status unmount(const std::string& path, bool* busy) = 0;
    // Whether mount() creates a missing directory itself.
    [[nodiscard]] virtual bool creates_directories() const = 0;
    [[nodiscard]] virtual const char* name() const = 0;
};

// mount(2) and umount2(2) in the daemon's own mount namespace.
std::unique_ptr<Mounter> direct_mounter();
// Transient mount units through systemd's private bus.
std::unique_ptr<Mounter> systemd_mounter();
// systemd_mounter() when the daemon runs as a systemd service
// (INVOCATION_ID set and /run/systemd/private there), else direct_mounter().
std::unique_ptr<Mounter> host_mounter();

// The .mount unit name systemd gives a path ("/dev/hugepages-llm" ->
// "dev-hugepages\x2dllm.mount"), as `systemd-escape --path --suffix=mount`.
std::string mount_unit_name(const std::string& path);

}  // namespace llm::memory
