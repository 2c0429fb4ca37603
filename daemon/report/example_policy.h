// SPDX-License-Identifier: GPL-2.0-only
// The policy `llm-schedd --example` prints: a training host's policy fitted
// to the machine it runs on (its CPUs, NUMA nodes, memory and huge page
// sizes), with "$comment" keys that say how each part was chosen. Pure.
#pragma once

#include <string>

#include "policy/machine.h"

namespace llm::report {

// JSON text, ending in a newline. It passes `llm-schedd --check` on `m`.
[[nodiscard]] std::string example_policy(const policy::Machine& m);

}  // namespace llm::report
