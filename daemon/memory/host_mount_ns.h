// Runs a mount operation in the host's mount namespace (PID 1's).
//
// The systemd unit's sandbox (ProtectSystem, PrivateTmp, PrivateDevices)
// gives the daemon a mount namespace of its own; a hugetlbfs mount made
// there would be invisible to the workloads it is for. A forked child joins
// PID 1's namespace, does the one operation and exits, so the daemon keeps
// its sandboxed view. Outside such a sandbox the operation runs in place.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace llm::memory {

// fn returns an error text or nullopt; so does the call.
std::optional<std::string> in_host_mount_ns(const std::function<std::optional<std::string>()>& fn);

// The host's /proc/1/mountinfo (the daemon's own if it cannot be read).
std::string host_mountinfo();

}  // namespace llm::memory
