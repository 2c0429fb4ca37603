// SPDX-License-Identifier: GPL-2.0-only
// The generation the daemon runs: the policy, its compiled tables, and
// the generation number those tables carry. The reload replaces it; a CPU
// hotplug recompiles its tables in place (a new generation, same policy).
#pragma once

#include <cstdint>

#include "service/policy_source.h"

namespace llm::service {

struct LivePolicy {
    LoadedPolicy loaded;
    uint64_t generation = 0;
    // The highest generation number any table has carried. A refused reload
    // whose tables were pushed used a number; it is never used again, since
    // BPF keeps each task's class until the generation it was classified
    // under changes (bpf/classify.bpf.h).
    uint64_t last_issued = 0;

    [[nodiscard]] uint64_t next_generation() const { return (generation > last_issued ? generation : last_issued) + 1; }

    [[nodiscard]] const policy::Policy& policy() const { return loaded.policy; }
    [[nodiscard]] const policy::CompiledPolicy& compiled() const { return loaded.compiled; }
};

}  // namespace llm::service
