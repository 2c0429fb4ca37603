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

namespace llm::sched {

class GracePeriod {
public:
    // Creates the two small maps; needs CAP_BPF.
    static std::optional<GracePeriod> create(std::string* error);
    // Blocks until a grace period has passed.
    [[nodiscard]] std::optional<std::string> wait() const;

private:
    GracePeriod(util::UniqueFd outer, util::UniqueFd inner) : outer_(std::move(outer)), inner_(std::move(inner)) {}
    util::UniqueFd outer_;
    util::UniqueFd inner_;
};

}  // namespace llm::sched
