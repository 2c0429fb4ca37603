// SPDX-License-Identifier: GPL-2.0-only
// New and changed processes, from the kernel's proc connector.
//
// exec, comm and uid events are what can make a process match a class's
// rules; a fork inherits its parent's cgroup, so forks need no work. The
// subscription needs CAP_NET_ADMIN; without it (or on a kernel without
// CONFIG_PROC_EVENTS) open() fails and the caller rescans /proc instead.
// Events can be lost when the socket buffer overflows (ENOBUFS): drain()
// then reports `overrun`, and the caller rescans.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "util/unique_fd.h"

#include "util/result.h"

namespace llm::memory {

class ProcEvents {
public:
    // nullopt on success, else why the connector is unavailable.
    [[nodiscard]] util::Status open();
    [[nodiscard]] int fd() const { return fd_.get(); }
    // Processes (tgids) to look at again; sets *overrun if events were lost.
    std::vector<uint32_t> drain(bool* overrun);

private:
    util::UniqueFd fd_;
};

}  // namespace llm::memory
