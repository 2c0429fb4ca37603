// SPDX-License-Identifier: GPL-2.0-only
// An RCU grace period on demand, from user space: returns once every BPF
// program that was running when it was called has finished.
//
// sched_ext callbacks are non-sleepable BPF programs and run inside RCU
// read-side sections. The kernel waits for those (synchronize_rcu) after
// every update of a map-in-map, a documented promise to user space
// (maybe_wait_bpf_programs() in kernel/bpf/syscall.c), so an update of a
// one-slot ARRAY_OF_MAPS that nothing else uses is such a wait.
#pragma once

#include <optional>
#include <string>

#include "util/unique_fd.h"

#include "util/result.h"

namespace llm::sched {

class GracePeriod {
public:
    // Creates the two small maps; needs CAP_BPF.
    [[nodiscard]] static util::Result<GracePeriod> create();
    // Blocks until a grace period has passed.
    [[nodiscard]] util::Status wait() const;

private:
    GracePeriod(util::UniqueFd outer, util::UniqueFd inner) : outer_(std::move(outer)), inner_(std::move(inner)) {}
    util::UniqueFd outer_;
    util::UniqueFd inner_;
};

}  // namespace llm::sched
